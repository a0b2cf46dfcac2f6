<?php
$dd_app_key = 'f18e6cf9a6675fc6a1930aff83d253ddebf1b4ae';
