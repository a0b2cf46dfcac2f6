<?php
$access_token = '7fPH1BfR2tV3P2UNTYXLW94us';
