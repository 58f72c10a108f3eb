"""The worker thread: runs `restorer.jobs.Job`s one at a time, away from the GUI thread.

`Worker` lives on the GUI thread; `submit(job)` returns a job id and queues the job for
the `JobRunner`, a QObject living on a QThread. The runner reports through queued
signals, so slots connected to `Worker`'s signals run on the GUI thread:

    started(job_id, title)
    progress(job_id, fraction, message)    at most ~20 per second per job
    preview(job_id, image)                 at most ~4 per second per job
    finished(job_id, result)
    failed(job_id, message)                 a sentence a person can read
    cancelled(job_id)

Every submitted job ends with exactly one of finished / failed / cancelled. Cancelling
sets the job's cancel event, which its `Progress` checks; a job cancelled while still
queued never starts. Engines come from the process-wide registry, which keeps them (and
any weights they loaded) between jobs; the runner releases an engine when a job asks for
a different one, and all of them when the worker shuts down.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import weakref
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from restorer.devices import reserve_cores
from restorer.errors import RestorerError
from restorer.jobs import Job
from restorer.memory import release_free_memory
from restorer.progress import Cancelled, Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05
PREVIEW_INTERVAL_S = 0.25

# Every worker thread ever started, so tests can check none is left running.
_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_worker_threads() -> list[QThread]:
    """Worker threads that are still running (tests assert this is empty)."""
    return [thread for thread in list(_threads) if thread.isRunning()]


def describe_failure(job: Job, error: BaseException) -> str:
    """The sentence shown to the person when a job fails."""
    if isinstance(error, RestorerError):
        return str(error)
    if isinstance(error, MemoryError):
        return f"{job.title} needs more memory than this computer has free."
    detail = str(error) or type(error).__name__
    return f"{job.title} failed unexpectedly: {detail} ({type(error).__name__}). Details are in the log."


class _Throttle:
    """Lets a report through at most once per `interval` seconds, plus the final one."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = -1e9

    def ready(self, final: bool = False) -> bool:
        now = time.monotonic()
        if final or now - self._last >= self.interval:
            self._last = now
            return True
        return False


class JobRunner(QObject):
    """Runs jobs on the worker thread. Created by `Worker`; do not call directly."""

    started = Signal(int, str)
    progress = Signal(int, float, str)
    preview = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self._engine_ids: set[str] = set()

    @Slot(int, object, object)
    def run(self, job_id: int, job: Job, cancel_event: threading.Event) -> None:
        if cancel_event.is_set():
            self.cancelled.emit(job_id)
            return
        self._switch_engine(job)
        self.started.emit(job_id, job.title)
        progress_gate = _Throttle(PROGRESS_INTERVAL_S)
        preview_gate = _Throttle(PREVIEW_INTERVAL_S)

        def report(fraction: float, message: str, preview: Any) -> None:
            if progress_gate.ready(final=fraction >= 1.0):
                self.progress.emit(job_id, fraction, message)
            if preview is not None and preview_gate.ready():
                self.preview.emit(job_id, preview)

        try:
            try:
                result = job.run(Progress(report, cancel_event))
            finally:
                release_free_memory()  # a job's large temporaries are gone now
        except Cancelled:
            self.cancelled.emit(job_id)
        except BaseException as error:  # noqa: BLE001 - every failure must reach the window
            if not isinstance(error, RestorerError):
                log.error("%s failed:\n%s", job.title, traceback.format_exc())
            self.failed.emit(job_id, describe_failure(job, error))
            if not isinstance(error, Exception):
                raise
        else:
            if cancel_event.is_set() and getattr(job, "cancellable", True):
                self.cancelled.emit(job_id)
            else:
                self.finished.emit(job_id, result)

    def _switch_engine(self, job: Job) -> None:
        """Free the engines other than the one this job uses (GPU memory is precious)."""
        wanted = getattr(job, "engine_id", None)
        if wanted is None or not hasattr(job, "engine_id"):
            return
        for engine_id in self._engine_ids - {wanted}:
            self._release(engine_id)
        self._engine_ids = {wanted}

    def _release(self, engine_id: str) -> None:
        from restorer.catalog import registry

        try:
            registry().get(engine_id).release()
        except Exception:  # noqa: BLE001 - releasing must never break the next job
            log.exception("Could not release engine %s", engine_id)

    @Slot()
    def shut_down(self) -> None:
        """Release the engines this worker used and stop its thread's event loop."""
        for engine_id in sorted(self._engine_ids):
            self._release(engine_id)
        self._engine_ids.clear()
        QThread.currentThread().quit()


class Worker(QObject):
    """The GUI side of the worker thread: submit, cancel, and the signals of every job."""

    started = Signal(int, str)
    progress = Signal(int, float, str)
    preview = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)
    busy_changed = Signal(bool)

    _queue = Signal(int, object, object)
    _stop = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Engines leave a core to the window, so painting stays smooth during a repair.
        reserve_cores(1)
        self._next_id = 1
        self._pending: dict[int, tuple[Job, threading.Event]] = {}
        self._thread = QThread()
        self._thread.setObjectName("restorer-worker")
        self._runner = JobRunner()
        self._runner.moveToThread(self._thread)
        self._queue.connect(self._runner.run)
        self._stop.connect(self._runner.shut_down)
        self._thread.finished.connect(self._runner.deleteLater)
        # Book-keeping first, so the window's slots already see the job as done.
        for signal in (self.finished, self.failed, self.cancelled):
            signal.connect(self._forget)
        self._runner.started.connect(self.started)
        self._runner.progress.connect(self.progress)
        self._runner.preview.connect(self.preview)
        self._runner.finished.connect(self.finished)
        self._runner.failed.connect(self.failed)
        self._runner.cancelled.connect(self.cancelled)
        _threads.add(self._thread)
        self._thread.start()

    # -- jobs --------------------------------------------------------------
    def submit(self, job: Job) -> int:
        """Queue `job`; returns its id, which every signal about it carries."""
        if not self._thread.isRunning():
            raise RuntimeError("the worker has been shut down")
        job_id = self._next_id
        self._next_id += 1
        event = threading.Event()
        was_busy = self.busy
        self._pending[job_id] = (job, event)
        self._queue.emit(job_id, job, event)
        if not was_busy:
            self.busy_changed.emit(True)
        return job_id

    def cancel(self, job_id: int | None = None) -> None:
        """Ask one job (or, with None, every queued and running job) to stop."""
        for pending_id, (job, event) in list(self._pending.items()):
            if (job_id is None or pending_id == job_id) and getattr(job, "cancellable", True):
                event.set()

    def can_cancel(self, job_id: int) -> bool:
        job = self._pending.get(job_id, (None, None))[0]
        return job is not None and getattr(job, "cancellable", True)

    def job(self, job_id: int) -> Job | None:
        entry = self._pending.get(job_id)
        return entry[0] if entry else None

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def pending_ids(self) -> list[int]:
        return list(self._pending)

    @Slot(int)
    def _forget(self, job_id: int, *_: object) -> None:
        if self._pending.pop(job_id, None) is not None and not self._pending:
            self.busy_changed.emit(False)

    # -- lifetime ----------------------------------------------------------
    def shut_down(self) -> None:
        """Cancel what can be cancelled, let the rest finish, stop the thread, wait for it."""
        if not self._thread.isRunning():
            return
        self.cancel()
        self._stop.emit()
        self._thread.wait()
        self._pending.clear()
