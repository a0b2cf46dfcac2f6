<?php
/** The base configuration for WordPress */

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp_user' );
define( 'DB_PASSWORD', 'dGEhkHE1Fhnr_9qTU6xMc9' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );

define( 'AUTH_KEY',         'TG]IOCst@N9Dh&LE@z#B#=a;eNOSYv(+:]6SU(QHsTJ*&uaq}ve.RX^{^tLOP.V>' );
define( 'SECURE_AUTH_KEY',  'wLW/&<t[:AOai.AzUT;55kIN}?{ZcwGt~pJzgbG7a.pt&0#OjMpsAa@#)xa{4B-p' );
define( 'LOGGED_IN_KEY',    '{r=TVIQ,Zt9XVJdnxu%65gUtZ@Yg@l#1,|(B%Qbxlu04nE*CddivZ2s|<Tgw.%4s' );
define( 'NONCE_KEY',        'ViWqK-uh2cASm~Cqr&XNrr@8{T*hp2o5FNf29H;S%&]rGry&;OS5PqI#*OTW&a<.' );
define( 'AUTH_SALT',        'pDwtL&7l-n,2O_.!u:.BDk}QfFf-*&5R9s~#|1!y6-v2L?O<)5T=^YaID}UI%wbu' );
define( 'SECURE_AUTH_SALT', '+UIr#r1C+%eF*pU15u_:0:D?:2<w#riV%WJN+o~)W@tw5Y}8=@HVi1,3P6h:l>Pt' );
define( 'LOGGED_IN_SALT',   'Yqd9bfJ0.p_Rn=Qyzf-%IdR?T^AOQ&aAME1[?}%fCs_<Rw5Pj5#xZ3@ipDN(kW+p' );
define( 'NONCE_SALT',       'T8l#?*njb[*Ow!5Lj.?W{aU|8i3jIw/K;K1ZTX:CbL[Mv[**L|5e4yYZq!&5oK3N' );

$table_prefix = 'wp_';
define( 'WP_DEBUG', false );
require_once ABSPATH . 'wp-settings.php';
