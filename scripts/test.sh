#!/usr/bin/env bash
# Installs what is needed, then runs the linter and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV="${RESTORER_VENV:-.venv}"
export QT_QPA_PLATFORM=offscreen
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
# Layering (contracts in pyproject.toml), then no import circles in restorer/ or ui/.
"$VENV/bin/lint-imports" --no-logo
"$VENV/bin/python" scripts/import_cycles.py restorer ui
"$VENV/bin/python" -m pytest -q "$@"
