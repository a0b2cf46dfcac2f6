<?php
$npm_token = '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';
