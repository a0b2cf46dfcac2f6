<?php
$gitlab_token = 'glpat-HyXePbXXIb4ECoUgdR9K';
