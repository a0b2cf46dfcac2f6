<?php
$launchdarkly_access_token = 'api-5dd49f25-9d3d-432c-96f8-925f348d3377';
