<?php
$auth_token = 'dummy';
