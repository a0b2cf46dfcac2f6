#!/bin/sh
set -eu
# trigger a deployment
curl -sS -u "yusuf:5HTX4C43lyZ2H*MMs8iEQ" -X POST https://api.northwind.internal/v2/deploy -d @payload.json
echo done
