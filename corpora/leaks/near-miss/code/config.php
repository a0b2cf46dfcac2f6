<?php
define('DB_PASSWORD', getenv('DB_PASSWORD'));
$apiKey = $_ENV['API_KEY'];
