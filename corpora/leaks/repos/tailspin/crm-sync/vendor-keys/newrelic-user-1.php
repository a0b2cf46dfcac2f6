<?php
$new_relic_api_key = 'NRAK-O3BZ7NDO7XXE81JW2S6C6IFJFV8';
