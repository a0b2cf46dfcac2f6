#!/bin/sh
set -eu
# trigger a deployment
curl -sS -u viktor:v8ELUHiz9U_Vk4 -X POST https://api.tailspin.internal/v2/deploy -d @payload.json
echo done
