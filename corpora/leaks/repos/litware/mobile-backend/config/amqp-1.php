<?php
$broker_url = 'amqp://wen:nH80tPh2Q9XM!Y@amqp-5.northwind.internal:5672/mobile_backend';
