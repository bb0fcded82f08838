#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install Crosswalk into it. Idempotent.
#   bash scripts/setup.sh         # the tool
#   bash scripts/setup.sh --dev   # the tool and everything the tests and checks need
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
"$python" - <<'PY' || { echo "Crosswalk needs Python >= 3.11 (set PYTHON=...)" >&2; exit 2; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
[ -x .venv/bin/python ] || "$python" -m venv .venv
extra=""
[ "${1:-}" = "--dev" ] && extra="[dev]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extra}"
# An editable install leaves our modules uncompiled and writes their bytecode on first use,
# which PYTHONDONTWRITEBYTECODE (set on many CI images) forbids: every command would then
# compile them again (about a fifth of a short command's time). Compile them once here, as a
# regular install does; Python still checks each file's timestamp, so an edit is never missed.
.venv/bin/python -m compileall -q -j 0 src >/dev/null
