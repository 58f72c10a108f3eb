#!/usr/bin/env bash
# Installs what is needed, then opens Restorer (on the bundled sample photo when no file is given).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/setup.sh"
VENV="${RESTORER_VENV:-$here/.venv}"
case "$VENV" in /*) ;; *) VENV="$here/$VENV" ;; esac
exec "$VENV/bin/python" "$here/main.py" "$@"
