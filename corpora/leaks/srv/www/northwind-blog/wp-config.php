<?php
/** The base configuration for WordPress */

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp_user' );
define( 'DB_PASSWORD', 'bw9*R62rT7klGxtfD' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );

define( 'AUTH_KEY',         '>YAE2Wo;GWj;eWk>Ht{kWmwRq]]WYzwd)X,+inu|6w}6xTRRb_BPoQ0SL<s6o?d_' );
define( 'SECURE_AUTH_KEY',  'OZTiGW.cCbn(YUIYQTKK~I_(&%g?ymiJD_ExEH-}mYDO%8~ZOecHq(m4!58U-iaI' );
define( 'LOGGED_IN_KEY',    'hr4sa@)9/oHhjUf|wi@Rv>PkSoiGer9qEH1(gwA>/nPPA*N_6a@z;L!G~5;CT)Lm' );
define( 'NONCE_KEY',        '%uVcEZg7-#_P3:6ET#fq#!:ck%vz.iCA*9Ki[z:,+{OmR-<jhEd.gR]e|*~QRK@{' );
define( 'AUTH_SALT',        'O7rSiYmhpJ/1IPXVWm3-1B>t{y|f8AkH=*[gdC=sq5{AzX?sO=}3DOuF0=*?U17S' );
define( 'SECURE_AUTH_SALT', '939fK(jggr,M8XX.7-kk80mx*1@eB(+MBK}mN(ST.XoI0p:/mUo%YD</)o=hLf1*' );
define( 'LOGGED_IN_SALT',   'E5%@yUd-yh0OwV|1n*Mp+;=uFkwZdVa0So8~Jn6(-?Olg5Fe8:3lzbvy2jewrXNx' );
define( 'NONCE_SALT',       'Sm5v?uk%DGFHY.U?i94=NtOcdwY>Abk0IH|zS+#3p]/PvyF4ib0M97;,7rZG6-{U' );

$table_prefix = 'wp_';
define( 'WP_DEBUG', false );
require_once ABSPATH . 'wp-settings.php';
