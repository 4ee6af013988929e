#!/usr/bin/env bash
# Run camstream from this checkout on port 8080 with the built-in test pattern (or
# whatever CAMSTREAM_* variables / --config say). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CAMSTREAM_CONFIG="${CAMSTREAM_CONFIG:-config/dev.json}"
exec node --max-semi-space-size=1 --interrupt-budget=16384 --expose-gc dist/src/cli.js serve "$@"
