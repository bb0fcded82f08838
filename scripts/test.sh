#!/usr/bin/env bash
# Set up and run every check: lint, types, import layers, then the whole test suite.
# Extra arguments go to pytest (e.g. bash scripts/test.sh -k lint).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
