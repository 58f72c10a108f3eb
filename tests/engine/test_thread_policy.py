"""The engine's OpenMP threads sleep, not spin, while they wait (issue 14, item 8):
set when `restorer` is imported (every import of torch in Restorer comes after it),
unless the user chose otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "import os, restorer; print(os.environ.get('OMP_WAIT_POLICY'))"


def _policy(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    environment.pop("RESTORER_THREAD_POLICY", None)
    environment.update(env, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=environment, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_restorer_makes_openmp_threads_passive():
    assert _policy() == "PASSIVE"


def test_a_policy_the_user_set_is_kept():
    assert _policy(OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"


def test_the_libraries_defaults_can_be_asked_for():
    assert _policy(RESTORER_THREAD_POLICY="libraries") == "None"
