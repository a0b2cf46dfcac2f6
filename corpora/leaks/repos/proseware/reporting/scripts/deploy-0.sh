#!/bin/sh
set -eu
# trigger a deployment
curl -sS --user noor:v9DF.EfW8Yz8ddwdVzFgnA -X POST https://api.fabrikam.internal/v2/deploy -d @payload.json
echo done
