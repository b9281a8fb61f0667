#!/usr/bin/env bash
# Runs the whole test suite (sets up what is missing first).
# Extra arguments go to pytest, e.g. ./test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh --no-demo
exec .venv/bin/pytest "$@"
