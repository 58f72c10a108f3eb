"""Jobs off the GUI thread, and the one message that comes back: `JobEvent`.

`Jobs` lives on the GUI thread. `submit(job, on_done, ...)` queues a `restorer.jobs.Job`
and returns its id; a runner on a worker QThread runs the jobs one at a time. Everything
about a job comes back as a `JobEvent` on ONE signal, `Jobs.event`, on the GUI thread:

    STARTED    message = the job's title
    PROGRESS   fraction, message           at most ~20 per second per job
    PREVIEW    preview                     at most ~4 per second per job, already
                                           converted by `job.prepare_preview` (worker)
    FINISHED   result                      \
    FAILED     error (a sentence a person can read)   exactly one of these per job
    CANCELLED                              /

Every event carries the `job` itself, so a listener picks the jobs it cares about
(`isinstance(event.job, RepairJob)`) without asking anyone. The job's continuations
(`on_end` first, then `on_done` / `on_failed` / `on_cancelled`) run before the ending
event is emitted, so a listener already sees their effect. A failure nobody handles
goes to `report_error` (the window shows a dialog).

`Jobs(inline=True)` is the synchronous fake: no thread; each job runs on the GUI thread
at the next event-loop turn, with the same events in the same order (tests use it).
Engines come from the process-wide registry, which keeps them (and their weights)
between jobs; the runner releases an engine when a job asks for another one, and all of
them on shut-down.
"""

from __future__ import annotations

import enum
import logging
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from restorer.errors import RestorerError
from restorer.jobs import Job
from restorer.memory import release_free_memory
from restorer.progress import Cancelled, Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05
PREVIEW_INTERVAL_S = 0.25
# How long a thread running Python may keep the lock while another asks for it (Python's
# default is 5 ms). With the patchmatch engine running on a busy machine, 1 ms cut the
# GUI thread's wait per lock hand-over at p99 from 7.6 / 7.4 ms to 3.6 / 4.6 ms, and of
# ten in a row from 37 / 46 ms to 25 / 36 ms (benchmarks/gil_handover.py, alternated).
GUI_SWITCH_INTERVAL_S = 0.001

# Every job thread ever started, so tests can check none is left running.
_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def track_thread(thread: QThread) -> None:
    """Count `thread` among the job threads tests check (the GAN training thread too)."""
    _threads.add(thread)


def running_worker_threads() -> list[QThread]:
    """Job threads that are still running (tests assert this is empty)."""
    running = []
    for thread in list(_threads):
        try:
            if thread.isRunning():
                running.append(thread)
        except RuntimeError:  # its C++ object was deleted with its parent: not running
            _threads.discard(thread)
    return running


class JobKind(enum.Enum):
    STARTED = "started"
    PROGRESS = "progress"
    PREVIEW = "preview"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


ENDINGS = frozenset({JobKind.FINISHED, JobKind.FAILED, JobKind.CANCELLED})


@dataclass(frozen=True)
class JobEvent:
    """One thing that happened to a job (see the module docstring for which fields)."""

    kind: JobKind
    job_id: int
    fraction: float = 0.0
    message: str = ""
    preview: Any = None
    result: Any = None
    error: str | None = None
    job: Job | None = None
    background: bool = False  # submitted as background work (no progress shown, not busy)

    @property
    def ended(self) -> bool:
        return self.kind in ENDINGS


def describe_failure(job: Job, error: BaseException) -> str:
    """The sentence shown to the person when a job fails."""
    if isinstance(error, RestorerError):
        return str(error)
    if isinstance(error, MemoryError):
        return f"{job.title} needs more memory than this computer has free."
    detail = str(error) or type(error).__name__
    return f"{job.title} failed unexpectedly: {detail} ({type(error).__name__}). Details are in the log."


class Throttle:
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


def run_job(
    job_id: int, job: Job, cancel: threading.Event, emit: Callable[[JobEvent], None]
) -> None:
    """Run `job`, reporting every step as a `JobEvent` to `emit` (on the calling thread)."""
    if cancel.is_set():
        emit(JobEvent(JobKind.CANCELLED, job_id, job=job))
        return
    emit(JobEvent(JobKind.STARTED, job_id, message=job.title, job=job))
    progress_gate = Throttle(PROGRESS_INTERVAL_S)
    preview_gate = Throttle(PREVIEW_INTERVAL_S)

    def report(fraction: float, message: str, preview: Any) -> None:
        if progress_gate.ready(final=fraction >= 1.0):
            emit(JobEvent(JobKind.PROGRESS, job_id, fraction, message, job=job))
        if preview is not None and preview_gate.ready():
            try:  # converted here, on the worker: the GUI thread only draws it
                preview = job.prepare_preview(preview)
            except Exception:  # noqa: BLE001 - a preview must never fail the job
                log.exception("Preparing a preview of %s failed", job.title)
                preview = None
            if preview is not None:
                emit(JobEvent(JobKind.PREVIEW, job_id, preview=preview, job=job))

    try:
        try:
            result = job.run(Progress(report, cancel))
        finally:
            release_free_memory()  # a job's large temporaries are gone now
    except Cancelled:
        emit(JobEvent(JobKind.CANCELLED, job_id, job=job))
    except BaseException as error:  # noqa: BLE001 - every failure must reach the window
        if not isinstance(error, RestorerError):
            log.error("%s failed:\n%s", job.title, traceback.format_exc())
        emit(JobEvent(JobKind.FAILED, job_id, error=describe_failure(job, error), job=job))
        if not isinstance(error, Exception):
            raise
    else:
        if cancel.is_set() and job.cancellable:
            emit(JobEvent(JobKind.CANCELLED, job_id, job=job))
        else:
            emit(JobEvent(JobKind.FINISHED, job_id, result=result, job=job))


class _EngineKeeper:
    """Keeps the engine the last job used loaded; frees the others (GPU memory is precious)."""

    def __init__(self) -> None:
        self._engine_ids: set[str] = set()

    def switch_to(self, job: Job) -> None:
        wanted = job.engine_id
        if wanted is None:
            return
        for engine_id in self._engine_ids - {wanted}:
            self._release(engine_id)
        self._engine_ids = {wanted}

    def release_all(self) -> None:
        for engine_id in sorted(self._engine_ids):
            self._release(engine_id)
        self._engine_ids.clear()

    @staticmethod
    def _release(engine_id: str) -> None:
        from restorer.catalog import registry

        try:
            registry().get(engine_id).release()
        except Exception:  # noqa: BLE001 - releasing must never break the next job
            log.exception("Could not release engine %s", engine_id)


class _ThreadRunner(QObject):
    """Lives on the job thread; its one signal carries every `JobEvent` to the GUI thread."""

    event = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.engines = _EngineKeeper()

    @Slot(int, object, object)
    def run(self, job_id: int, job: Job, cancel: threading.Event) -> None:
        if not cancel.is_set():
            self.engines.switch_to(job)
        run_job(job_id, job, cancel, self.event.emit)

    @Slot()
    def lower_priority(self) -> None:
        """The GUI thread gets a core before the engine does (`lower_thread_priority`)."""
        from restorer.devices import lower_thread_priority

        lower_thread_priority()

    @Slot()
    def shut_down(self) -> None:
        self.engines.release_all()
        QThread.currentThread().quit()


@dataclass
class _Pending:
    job: Job
    cancel: threading.Event
    on_done: Callable[[Any], None] | None
    on_failed: Callable[[str], None] | None
    on_cancelled: Callable[[], None] | None
    on_end: Callable[[], None] | None
    background: bool


class Jobs(QObject):
    """Submits jobs, runs them off the GUI thread, and sends back one `JobEvent` signal."""

    event = Signal(object)  # JobEvent
    busy_changed = Signal(bool)  # True while a foreground (not background) job is pending

    _queue = Signal(int, object, object)
    _stop = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        inline: bool = False,
        report_error: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.report_error = report_error
        self._next_id = 1
        self._pending: dict[int, _Pending] = {}
        self._inline = inline
        self._running = True
        self._thread: QThread | None = None
        self._inline_queue: list[tuple[int, Job, threading.Event]] = []
        self._inline_engines = _EngineKeeper()
        if inline:
            return
        from restorer.devices import reserve_cores

        # Engines leave a core to the window, so painting stays smooth during a repair.
        reserve_cores(1)
        # Every Python call the GUI thread makes (each slot, each handler) first takes
        # Python's lock; while the engine runs Python code, that waits up to the switch
        # interval (5 ms by default), several times per event-loop turn.
        sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        self._thread = QThread()
        self._thread.setObjectName("restorer-worker")
        self._runner = _ThreadRunner()
        self._runner.moveToThread(self._thread)
        self._queue.connect(self._runner.run)
        self._stop.connect(self._runner.shut_down)
        self._runner.event.connect(self._receive)
        self._thread.finished.connect(self._runner.deleteLater)
        self._thread.started.connect(self._runner.lower_priority)
        track_thread(self._thread)
        self._thread.start(QThread.Priority.LowPriority)  # what Qt can do (not on Linux)

    # -- submitting ---------------------------------------------------------------
    def submit(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        *,
        on_failed: Callable[[str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_end: Callable[[], None] | None = None,
        background: bool = False,
    ) -> int:
        """Queue `job`; returns its id, which every event about it carries.

        `on_end` runs first in every outcome (release what the job held). Background
        jobs (a device probe) show no progress and do not make the window busy.
        """
        if not self._running:
            raise RuntimeError("the job runner has been shut down")
        job_id = self._next_id
        self._next_id += 1
        cancel = threading.Event()
        was_busy = self.busy
        self._pending[job_id] = _Pending(
            job, cancel, on_done, on_failed, on_cancelled, on_end, background
        )
        if self._inline:
            self._inline_queue.append((job_id, job, cancel))
            QTimer.singleShot(0, self._run_inline)
        else:
            self._queue.emit(job_id, job, cancel)
        if not was_busy and self.busy:
            self.busy_changed.emit(True)
        return job_id

    def _run_inline(self) -> None:
        if not self._inline_queue:
            return
        job_id, job, cancel = self._inline_queue.pop(0)
        if not cancel.is_set():
            self._inline_engines.switch_to(job)
        run_job(job_id, job, cancel, self._receive)

    # -- state and control --------------------------------------------------------
    @property
    def busy(self) -> bool:
        return any(not pending.background for pending in self._pending.values())

    def is_pending(self, job_id: int | None) -> bool:
        return job_id is not None and job_id in self._pending

    def can_cancel(self, job_id: int) -> bool:
        pending = self._pending.get(job_id)
        return pending is not None and pending.job.cancellable

    def cancel(self, job_id: int | None = None) -> None:
        """Ask one job (or, with None, every pending one) to stop; queued ones never start."""
        for pending_id, pending in list(self._pending.items()):
            if (job_id is None or pending_id == job_id) and pending.job.cancellable:
                pending.cancel.set()

    def cancel_all(self) -> None:
        """Cancel the foreground jobs (what the Cancel button stands for)."""
        for job_id, pending in list(self._pending.items()):
            if not pending.background:
                self.cancel(job_id)

    def forget_all(self) -> None:
        """Drop every continuation (the window is closing)."""
        self._pending.clear()

    def shut_down(self) -> None:
        """Cancel what can be cancelled, let the rest finish, stop the thread, wait for it."""
        if not self._running:
            return
        self.cancel()
        self._running = False
        if self._thread is not None:
            self._stop.emit()
            self._thread.wait()
        else:
            self._inline_engines.release_all()
        self._pending.clear()

    # -- events -------------------------------------------------------------------
    @Slot(object)
    def _receive(self, event: JobEvent) -> None:
        pending = self._pending.get(event.job_id)
        if pending is not None and pending.background:
            event = JobEvent(**{**event.__dict__, "background": True})
        if not event.ended or pending is None:
            self.event.emit(event)
            return
        del self._pending[event.job_id]
        if not pending.background and not self.busy:
            self.busy_changed.emit(False)
        if pending.on_end is not None:
            self._call(pending, pending.on_end)
        if event.kind is JobKind.FINISHED:
            if pending.on_done is not None:
                self._call(pending, pending.on_done, event.result)
        elif event.kind is JobKind.FAILED:
            if pending.on_failed is not None:
                self._call(pending, pending.on_failed, event.error)
            elif self.report_error is not None:
                self.report_error(f"{pending.job.title} failed", event.error or "")
        elif pending.on_cancelled is not None:
            self._call(pending, pending.on_cancelled)
        self.event.emit(event)

    def _call(self, pending: _Pending, function: Callable[..., None], *args: object) -> None:
        """Run a continuation; a bug in one is reported, never kills the window."""
        try:
            function(*args)
        except Exception as error:  # noqa: BLE001 - keep the app alive, show the error
            log.exception("Handling the result of %s failed", pending.job.title)
            if self.report_error is not None:
                self.report_error(
                    f"{pending.job.title} failed",
                    f"Applying the result failed: {error} ({type(error).__name__}).",
                )
