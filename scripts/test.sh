#!/usr/bin/env bash
# Installs what is needed, then runs the linters and the whole test suite
# (or, given arguments, pytest with them: `bash scripts/test.sh tests/engine -x`).
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
if [ "$#" -gt 0 ]; then
  "$VENV/bin/python" -m pytest -q "$@"
else
  # Every test once: the engine and CLI tests as on a machine without Qt (PySide6 cannot
  # be imported, pytest-qt is off), then the rest (the window) with Qt.
  "$VENV/bin/python" -m pytest -q -p no:pytest-qt -p tests.support.no_qt tests/engine tests/cli
  "$VENV/bin/python" -m pytest -q --ignore=tests/engine --ignore=tests/cli
fi
