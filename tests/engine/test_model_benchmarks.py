"""benchmarks/gpu_check.py is a clean no-op without CUDA; benchmarks/models_quality.py
runs end to end with a random-weight LaMa (so CI keeps both alive)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )


def test_gpu_check_says_no_cuda_device_and_exits_0():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device: gpu_check runs for real here")
    done = _script("benchmarks/gpu_check.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no CUDA device"


def test_models_quality_runs_end_to_end_with_a_random_weight_lama(tmp_path):
    out = tmp_path / "models_quality.json"
    done = _script(
        "benchmarks/models_quality.py",
        "--random-lama",
        "--images",
        "astronaut",
        "--kinds",
        "blob",
        "--max-side",
        "64",
        "--device",
        "cpu",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| patchmatch |" in done.stdout and "| random-lama |" in done.stdout
    summary = json.loads(out.read_text())["summary"]
    assert set(summary) == {"patchmatch", "random-lama"}
    assert all(values["psnr"] > 0 and values["seconds"] > 0 for values in summary.values())
