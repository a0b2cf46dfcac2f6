<?php
$sentry_auth_token = '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';
