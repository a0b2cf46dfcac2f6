<?php
/** The base configuration for WordPress */

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp_user' );
define( 'DB_PASSWORD', 'J0mSF-4lqCb1RKY7' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );

define( 'AUTH_KEY',         'O}gec~fCDJ@g|,cAcJh{)%J5HxBvIR%dHzmyJy<!b%=a.ksHT_Wd&;w.%ey{:b2s' );
define( 'SECURE_AUTH_KEY',  '<qnAQz,(56Kd^-]o9Cta|}G|MQ-K**|&GQbbt,*!*,2X!l-ad*fiMR?Np^hM[f+-' );
define( 'LOGGED_IN_KEY',    'f<7Dd?=W=|Ttm-QBvCRT)l)E}gDkGH1oMby=0w:aQ{#[iUx{)Omch[eNc!bDo252' );
define( 'NONCE_KEY',        'lvoNWc&&>zP(cz%9]<,DdD&yH.:/+D4LSQC2%Txd92jh/9,RD-[0<#/UDYb&]C{C' );
define( 'AUTH_SALT',        'BO~t3Z)WZ&EF}6K-0fM:I_YTCm^;Bw4M]{X2lq(Z]-&x>[VO7O)[Sw<|nK~XMpV]' );
define( 'SECURE_AUTH_SALT', 'C^ZeQY?pO]b<MqnEod!7x>zc}EH/R0u3M)sJ9)kZ!3!T)<g+puEkl^=3Z31YT@|u' );
define( 'LOGGED_IN_SALT',   'xRZ,4LSo5y).Z6%-(]w.s#HK:O4:M+CXn=?X<PN-6y)U=X,GI48aO.LM&84eEpQ4' );
define( 'NONCE_SALT',       '6[b4nz{g6If?q^u+eGYHh{J/7orbT7i+v<-Rk64|(WA+S!&KcU?d0R(jS8){3{T4' );

$table_prefix = 'wp_';
define( 'WP_DEBUG', false );
require_once ABSPATH . 'wp-settings.php';
