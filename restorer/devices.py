"""Choosing the compute device: CUDA when present, the CPU otherwise.

Torch is imported only when a device other than the CPU could matter, so engines that
run on the CPU alone (OpenCV) never pay for it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from restorer.errors import DeviceError

DEVICE_CHOICES = ("auto", "cpu", "cuda")

# `RESTORER_THREAD_POLICY=libraries` leaves the OpenMP wait policy as the libraries
# choose (for comparisons: benchmarks/contention.py).
THREAD_POLICY_ENV = "RESTORER_THREAD_POLICY"

# Cores kept free of engine work: none for the command line and the API (a batch
# should use the whole machine); the window's worker keeps one (`reserve_cores`).
_reserved_cores = 0


@lru_cache(maxsize=1)
def cuda_available() -> bool:
    """True when torch can see a CUDA device."""
    try:
        import torch
    except Exception:  # noqa: BLE001 - no torch means no CUDA
        return False
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver means no CUDA
        return False


def resolve_device(requested: str = "auto", supported: tuple[str, ...] = ("cpu", "cuda")) -> str:
    """Turn 'auto' / 'cpu' / 'cuda' / 'cuda:N' into the device an engine will use.

    'auto' picks CUDA when the engine supports it and a GPU is present, else the CPU.
    Asking for CUDA where there is none is an error, not a silent fallback.
    """
    requested = (requested or "auto").strip().lower()
    if requested == "auto":
        if "cuda" in supported and cuda_available():
            return "cuda"
        return "cpu"
    if requested == "cpu":
        return "cpu"
    if requested == "cuda" or requested.startswith("cuda:"):
        if "cuda" not in supported:
            raise DeviceError("This engine runs on the CPU only; choose --device cpu or auto.")
        if not cuda_available():
            raise DeviceError("No CUDA device is available on this machine; use --device cpu.")
        return requested
    raise DeviceError(f"Unknown device '{requested}'; choose one of: auto, cpu, cuda.")


def device_label(device: str) -> str:
    """A short name for the status bar: 'CPU' or the CUDA device's name."""
    if device.startswith("cuda") and cuda_available():
        import torch

        index = int(device.split(":", 1)[1]) if ":" in device else 0
        return f"CUDA: {torch.cuda.get_device_name(index)}"
    return "CPU"


def apply_thread_policy() -> bool:
    """Make PyTorch's OpenMP threads sleep instead of spinning while they wait.

    By default they spin between parallel regions. When other programs keep the cores
    busy, a spinning thread burns the time slice the thread it waits for needs, and
    every one of the engine's thousands of small parallel operations stalls. Measured
    with `benchmarks/contention.py` (2 cores, 320-px pictures, busy shared machine):
    the default engine took 10-12 s per picture with spinning threads and 0.13-0.18 s
    with sleeping ones; under two more busy processes 25-30 s against 0.4-0.9 s. One
    intra-op thread instead of two was slower in both cases (0.5-1.3 s quiet), so the
    thread count stays. Takes effect only before torch is first imported (the package
    `__init__` calls it); a value the user set is kept. Returns True when it set it.
    """
    if os.environ.get(THREAD_POLICY_ENV) == "libraries" or "OMP_WAIT_POLICY" in os.environ:
        return False
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    return True


def reserve_cores(count: int) -> None:
    """Keep `count` cores free of engine work from now on (the window keeps one, so
    it stays responsive while a repair runs)."""
    global _reserved_cores
    _reserved_cores = max(0, int(count))


# How much less CPU priority the window's worker thread takes than the GUI thread.
WORKER_NICE = 10


def lower_thread_priority(steps: int = WORKER_NICE) -> bool:
    """Lower the calling thread's CPU priority by `steps` nice levels (Linux; threads it
    starts later, such as PyTorch's and OpenCV's pools, inherit it). True when done.

    For the window's worker: on a busy machine the GUI thread otherwise queues behind
    it for a core, again at every hand-over of Python's interpreter lock, and the window
    pauses (`benchmarks/ui_responsiveness.py --cycles`: 25 pauses over 50 ms a minute of
    repairs on 12 MP, 13 with this). Only this process's other threads and programs in
    the same session (scheduler group) yield to it less.
    """
    if not sys.platform.startswith("linux") or steps <= 0:
        return False
    thread = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, now + steps))
    except OSError:
        return False
    return True


def engine_threads() -> int:
    """How many threads an engine's CPU math may use: every core not reserved."""
    return max(1, (os.cpu_count() or 1) - _reserved_cores)


@contextmanager
def cpu_threads() -> Iterator[None]:
    """Run PyTorch's CPU math on at most `engine_threads()` threads meanwhile."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(min(before, engine_threads()))
    try:
        yield
    finally:
        torch.set_num_threads(before)
