"""Runs the `restorer` command as a subprocess, the way a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def restorer(
    *args: object, cwd: Path | None = None, one_thread: bool = False, timeout: float = 120
) -> subprocess.CompletedProcess:
    """`python -m restorer ARGS...` from the repository root (or `cwd`); user folders come
    from the environment (the root conftest points them at a temporary folder).
    `one_thread` sets OMP_NUM_THREADS=1, fastest for tiny models."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if one_thread:
        env["OMP_NUM_THREADS"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "restorer", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=timeout,
    )


def assert_clean_failure(result: subprocess.CompletedProcess, out: Path, *needles: str) -> None:
    """The command failed with exit status 2 and one readable line (each needle in it),
    no traceback, and wrote no output file."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not out.exists()
