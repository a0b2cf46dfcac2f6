<?php
$slack_webhook_url = 'https://hooks.slack.com/services/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';
