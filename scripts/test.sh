#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests use, builds, runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec npm test
