<?php
$gitlab_private_token = 'glpat-JDC94cMGcieuQtpm_OWvwAmF0W2.c6.ylg7wcffp';
