#!/usr/bin/env bash
# Creates (or updates) the virtual environment with everything Restorer needs.
# Used by scripts/app.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${RESTORER_VENV:-.venv}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating virtual environment in $VENV ..." >&2
  "$PY" -m venv "$VENV"
fi

stamp="$VENV/.restorer-installed"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing dependencies into $VENV (first run takes a few minutes) ..." >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # PyTorch first, pinned to the release this machine keeps on disk, so pip never
  # reaches for a multi-GB download; the project's own range accepts it.
  "$VENV/bin/python" -m pip install -q "torch==2.14.1" "torchvision==0.29.1"
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  # opencv-contrib-python-headless (the dependency: cv2 with xphoto) and a plain
  # opencv-python-headless (from an older install) both own the cv2 package: keep one.
  if "$VENV/bin/python" -m pip show opencv-python-headless >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip uninstall -q -y opencv-python-headless
    "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps opencv-contrib-python-headless
  fi
  echo "$want" > "$stamp"
fi
