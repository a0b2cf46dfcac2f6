<?php
/** The base configuration for WordPress */

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp_user' );
define( 'DB_PASSWORD', 'A_BA6vr9Gk07wBCHV3gXAO' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );

define( 'AUTH_KEY',         'fS?.2Dja:8Hy^^;YlrpS!ad<L0>1Cd[dy;~baH|S&](vvfNPtO6p(uUO?n]IkOVf' );
define( 'SECURE_AUTH_KEY',  'rl[wVIg#u~tE4t!aNv}_1XHWp7Ch=1xlpHYitX[Lo;ND;)iYVw)Xs2g4%Eq~?QkY' );
define( 'LOGGED_IN_KEY',    'aMYOuw;9FrSd_-oOqc4-i0o9zZ-pPh8SZ?PMP7iui3e4_/,DL0>4dh1#es?vIqLH' );
define( 'NONCE_KEY',        'Z#aybeUdL;f@/eZnIDzM^LHxf%Lnl0iL89deWOm:x|84z!_8A#%Y(31ps3./0,,U' );
define( 'AUTH_SALT',        'b@YpE+7zz9pwxlR:<}A|Z=?9uH|~33[O/C>BN?7THKkY_|(F]+6@PA5o|5sEo?Ra' );
define( 'SECURE_AUTH_SALT', 'Ef6xlJiP:7q+[jAcpRs?.<o1MB#wP+dH/OSLY36Ws{t6oCjN_yOFB3?GrgAfJvwX' );
define( 'LOGGED_IN_SALT',   'uTgj%oRS9)MZgj[cg;l{/,8N=u4%|{sfH(vBh=7mh^rylbRFjNm)sM(qtPSDD{Ne' );
define( 'NONCE_SALT',       'Chz8TF[s&E^_/GO]e,[1GPPf!wRq==UNGtG|fGEcg/ypniT7)I5X78-*Bi!.a?<]' );

$table_prefix = 'wp_';
define( 'WP_DEBUG', false );
require_once ABSPATH . 'wp-settings.php';
