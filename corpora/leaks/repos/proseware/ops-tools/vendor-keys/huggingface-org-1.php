<?php
$huggingface_org_token = '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';
