#!/usr/bin/env bash
# Make sure the interpreter can create a virtualenv (Debian ships venv separately).
set -euo pipefail
python=${1:-python3}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  echo "installing python3 and python3-venv with apt-get"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip
fi
"$python" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"sitewatch needs Python 3.11 or newer, found {sys.version.split()[0]}")
PY
