<?php
$auth_token = 'm561OztnOrMGcQaxCZsII1SH6';
