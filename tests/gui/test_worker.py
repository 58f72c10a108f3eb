"""The job runner: order, results, failures, cancellation, throttling, engine lifetime;
the same events from the synchronous fake."""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pytest
from PySide6.QtCore import QThread

from restorer.catalog import use_registry
from restorer.engines import Engine, EngineRegistry
from restorer.errors import ImageReadError
from restorer.jobs import Job
from restorer.progress import Progress
from tests.gui.helpers import event_kind
from ui.core.jobs import JobKind, Jobs, running_worker_threads


@pytest.fixture
def worker(qtbot, no_leftover_threads):
    instance = Jobs()
    yield instance
    instance.shut_down()


@dataclass
class Echo(Job):
    value: object = None
    title: str = "Echo"
    ran_on: list = field(default_factory=list)

    def run(self, progress: Progress):
        self.ran_on.append(threading.get_ident())
        progress.update(1.0, "echoed")
        return self.value


@dataclass
class Chatty(Job):
    """Reports far more often than anyone could watch."""

    updates: int = 20000
    title: str = "Chatty"

    def run(self, progress: Progress):
        preview = np.zeros((2, 2, 3), np.uint8)
        for step in range(self.updates):
            progress.update(step / self.updates, f"step {step}", preview)
        progress.update(1.0, "done")
        return self.updates


@dataclass
class WaitsForCancel(Job):
    started: threading.Event = field(default_factory=threading.Event)
    title: str = "Waiting"

    def run(self, progress: Progress):
        self.started.set()
        for _ in range(5000):
            progress.update(0.5, "waiting")
            time.sleep(0.002)
        return "not cancelled"


@dataclass
class Raises(Job):
    error: BaseException = field(default_factory=lambda: ValueError("bad value"))
    title: str = "Exploding"

    def run(self, progress: Progress):
        raise self.error


def test_jobs_run_in_order_on_the_worker_thread(qtbot, worker):
    jobs = [Echo(value=index) for index in range(5)]
    results: list[tuple[int, object]] = []
    worker.event.connect(
        lambda e: e.kind is JobKind.FINISHED and results.append((e.job_id, e.result))
    )
    ids = [worker.submit(job) for job in jobs]
    assert worker.busy
    qtbot.waitUntil(lambda: len(results) == 5, timeout=10000)
    assert results == list(zip(ids, range(5), strict=True))
    gui_thread = threading.get_ident()
    threads = {job.ran_on[0] for job in jobs}
    assert len(threads) == 1 and gui_thread not in threads
    assert not worker.busy


def test_failures_become_readable_messages(qtbot, worker, caplog):
    with qtbot.waitSignal(
        worker.event, check_params_cb=event_kind("failed"), timeout=10000
    ) as blocker:
        worker.submit(Raises(ImageReadError("holiday.jpg is truncated or corrupt.")))
    assert blocker.args[0].error == "holiday.jpg is truncated or corrupt."

    with qtbot.waitSignal(
        worker.event, check_params_cb=event_kind("failed"), timeout=10000
    ) as blocker:
        worker.submit(Raises(ValueError("bad value")))
    message = blocker.args[0].error
    assert message.startswith("Exploding failed unexpectedly: bad value (ValueError)")
    assert "Traceback" in caplog.text  # the details go to the log, not the dialog

    with qtbot.waitSignal(
        worker.event, check_params_cb=event_kind("failed"), timeout=10000
    ) as blocker:
        worker.submit(Raises(MemoryError()))
    assert "more memory" in blocker.args[0].error

    # The worker carries on after failures.
    with qtbot.waitSignal(
        worker.event, check_params_cb=event_kind("finished"), timeout=10000
    ) as blocker:
        worker.submit(Echo(value="still here"))
    assert blocker.args[0].result == "still here"


def test_cancel_a_running_job_and_a_queued_one(qtbot, worker):
    running = WaitsForCancel()
    queued = Echo(value="never")
    cancelled: list[int] = []
    worker.event.connect(lambda e: e.kind is JobKind.CANCELLED and cancelled.append(e.job_id))
    running_id = worker.submit(running)
    queued_id = worker.submit(queued)
    assert running.started.wait(10)
    worker.cancel(queued_id)
    worker.cancel(running_id)
    qtbot.waitUntil(lambda: len(cancelled) == 2, timeout=10000)
    assert sorted(cancelled) == [running_id, queued_id]
    assert queued.ran_on == []  # a job cancelled while queued never starts
    assert not worker.busy


def test_progress_and_previews_are_throttled(qtbot, worker):
    progress: list[tuple[float, str]] = []
    previews: list[object] = []
    worker.event.connect(
        lambda e: e.kind is JobKind.PROGRESS and progress.append((e.fraction, e.message))
    )
    worker.event.connect(lambda e: e.kind is JobKind.PREVIEW and previews.append(e.preview))
    started = time.monotonic()
    with qtbot.waitSignal(worker.event, check_params_cb=event_kind("finished"), timeout=20000):
        worker.submit(Chatty())
    elapsed = time.monotonic() - started
    assert progress[-1] == (1.0, "done")  # the final report always arrives
    assert len(progress) <= elapsed / 0.05 + 3
    assert 1 <= len(previews) <= elapsed / 0.25 + 2
    assert isinstance(previews[0], np.ndarray)


def test_shut_down_stops_the_thread(qtbot, no_leftover_threads):
    worker = Jobs()
    job = WaitsForCancel()
    worker.submit(job)
    assert job.started.wait(10)
    worker.shut_down()  # cancels the running job and waits for the thread
    assert running_worker_threads() == []
    with pytest.raises(RuntimeError):
        worker.submit(Echo())


class CountingEngine(Engine):
    def __init__(self, engine_id: str) -> None:
        self.id = engine_id
        self.label = engine_id
        self.releases = 0

    def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
        return image

    def release(self) -> None:
        self.releases += 1


@dataclass
class UsesEngine(Job):
    engine_id: str = ""
    title: str = "Using an engine"

    def run(self, progress: Progress):
        return QThread.currentThread().objectName()


def test_engines_stay_loaded_between_jobs_and_are_released_on_switch(qtbot, no_leftover_threads):
    first, second = CountingEngine("first"), CountingEngine("second")
    fresh = EngineRegistry()
    fresh.register(first)
    fresh.register(second)
    finished = event_kind("finished")
    with use_registry(fresh):
        worker = Jobs()
        try:
            for engine_id in ("first", "first"):
                with qtbot.waitSignal(
                    worker.event, check_params_cb=finished, timeout=10000
                ) as blocker:
                    worker.submit(UsesEngine(engine_id))
            assert blocker.args[0].result == "restorer-worker"
            assert first.releases == 0  # kept loaded while it is the one in use
            with qtbot.waitSignal(worker.event, check_params_cb=finished, timeout=10000):
                worker.submit(UsesEngine("second"))
            assert first.releases == 1 and second.releases == 0
        finally:
            worker.shut_down()
    assert second.releases == 1  # everything is released when the worker stops


def test_the_synchronous_fake_runs_jobs_on_the_gui_thread_with_the_same_events(qtbot):
    jobs = Jobs(inline=True)
    seen: list[tuple[str, int]] = []
    jobs.event.connect(lambda e: seen.append((e.kind.value, e.job_id)))
    done: list[object] = []
    echo = Echo(value="here")
    first = jobs.submit(echo, done.append)
    second = jobs.submit(Raises(ValueError("bad value")), on_failed=done.append)
    third = jobs.submit(Echo(value="never"))
    jobs.cancel(third)  # still queued: never starts
    assert done == [] and jobs.busy  # nothing runs inside submit
    qtbot.waitUntil(lambda: not jobs.busy, timeout=5000)
    assert echo.ran_on == [threading.get_ident()]
    assert done[0] == "here" and done[1].startswith("Exploding failed unexpectedly")
    assert [kind for kind, job_id in seen if job_id == first] == ["started", "progress", "finished"]
    assert [kind for kind, job_id in seen if job_id == second] == ["started", "failed"]
    assert [kind for kind, job_id in seen if job_id == third] == ["cancelled"]
    jobs.shut_down()
    with pytest.raises(RuntimeError):
        jobs.submit(Echo())


class ReportPriority(Job):
    title = "Priority"

    def run(self, progress: Progress) -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_worker_thread_yields_the_cpu_to_the_gui_thread(qtbot, worker):
    from restorer.devices import WORKER_NICE

    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    results: list[int] = []
    worker.submit(ReportPriority(), results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert results == [min(19, gui + WORKER_NICE)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui  # GUI unchanged


class ReportSwitchInterval(Job):
    title = "Switch interval"

    def run(self, progress: Progress) -> float:
        return sys.getswitchinterval()


def test_the_worker_hands_pythons_lock_back_to_the_gui_thread_quickly(qtbot, worker):
    from ui.core.jobs import GUI_SWITCH_INTERVAL_S

    results: list[float] = []
    worker.submit(ReportSwitchInterval(), results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert results == [pytest.approx(GUI_SWITCH_INTERVAL_S)] and GUI_SWITCH_INTERVAL_S < 0.005
