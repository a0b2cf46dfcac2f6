#!/bin/sh
set -eu
# trigger a deployment
curl -sS -u "uma:CL0M2O3v6dUK2L-b" -X POST https://api.wingtip.internal/v2/deploy -d @payload.json
echo done
