#!/bin/sh
set -eu
# trigger a deployment
curl -sS -u erin:UG6Fq*yPOx17t1C6b9 -X POST https://api.adatum.internal/v2/deploy -d @payload.json
echo done
