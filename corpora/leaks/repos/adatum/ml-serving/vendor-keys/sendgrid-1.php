<?php
$sendgrid_api_key = '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';
