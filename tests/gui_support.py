"""Fixtures and helpers for the GUI tests (loaded with `pytest_plugins` by test_gui_* modules).

Dialogs never block: `QMessageBox`'s static calls are replaced by a recorder that keeps
what would have been shown and answers with what the test chose. Every test that starts
a worker checks that no worker thread is left running afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from restorer.catalog import builtin_engines, use_registry
from restorer.engines import Engine, EngineRegistry
from restorer.progress import Progress
from tests.helpers import gradient_photo, write_png

Button = QMessageBox.StandardButton


@dataclass
class DialogRecorder:
    """Stands in for QMessageBox: records (kind, title, text), answers from `answers`."""

    shown: list[tuple[str, str, str]] = field(default_factory=list)
    answers: dict[str, Button] = field(
        default_factory=lambda: {"warning": Button.Discard, "question": Button.Save}
    )

    def _record(self, kind: str, title: str, text: str) -> Button:
        self.shown.append((kind, title, text))
        return self.answers.get(kind, Button.Ok)

    def critical(self, parent, title, text, *args, **kwargs):
        return self._record("critical", title, text)

    def warning(self, parent, title, text, *args, **kwargs):
        return self._record("warning", title, text)

    def question(self, parent, title, text, *args, **kwargs):
        return self._record("question", title, text)

    def information(self, parent, title, text, *args, **kwargs):
        return self._record("information", title, text)

    def about(self, parent, title, text, *args, **kwargs):
        return self._record("about", title, text)

    def of_kind(self, kind: str) -> list[tuple[str, str, str]]:
        return [entry for entry in self.shown if entry[0] == kind]


@pytest.fixture
def dialogs(monkeypatch) -> DialogRecorder:
    recorder = DialogRecorder()
    for kind in ("critical", "warning", "question", "information", "about"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(getattr(recorder, kind)))
    return recorder


@pytest.fixture
def no_leftover_threads():
    """Fail a test that leaves a worker thread running."""
    from ui.core.jobs import running_worker_threads

    yield
    deadline = time.monotonic() + 5
    while running_worker_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running_worker_threads() == [], "a worker thread was left running"


class SlowEngine(Engine):
    """Reports progress thousands of times, slowly, until cancelled."""

    id = "test-slow"
    label = "Slow (test)"
    description = "A test engine that takes its time."
    devices = ("cpu", "cuda")

    def inpaint(self, image, mask, progress: Progress, *, device="cpu", seed=0):
        steps = 4000
        for step in range(steps):
            progress.update(step / steps, f"Slow step {step}")
            time.sleep(0.002)
        out = image.copy()
        out[mask] = 0
        return out


class FailingEngine(Engine):
    id = "test-failing"
    label = "Failing (test)"
    description = "A test engine that breaks."

    def inpaint(self, image, mask, progress, *, device="cpu", seed=0):
        progress.update(0.1, "about to fail")
        raise RuntimeError("the model produced nothing")


@pytest.fixture
def extra_engines():
    """A fresh registry: the built-ins plus the slow and failing test engines."""
    fresh = EngineRegistry()
    for engine in builtin_engines():
        fresh.register(engine)
    fresh.register(SlowEngine())
    fresh.register(FailingEngine())
    with use_registry(fresh):
        yield fresh


@pytest.fixture
def window(qtbot, dialogs, no_leftover_threads):
    """The real main window, shown, with its GPU probe done (so the worker is idle)."""
    from ui.app import build_window

    main = build_window()
    qtbot.addWidget(main)
    main.resize(900, 700)
    main.show()
    qtbot.waitExposed(main)
    qtbot.waitUntil(lambda: main.device_info is not None, timeout=30000)
    yield main
    if main.isVisible():
        dialogs.answers["warning"] = Button.Discard
        main.close()
    main.jobs.shut_down()


@pytest.fixture
def photo_path(tmp_path) -> Path:
    """A 96x128 PNG photo with a bright diagonal 'scratch'."""
    image = gradient_photo(96, 128)
    for x in range(30, 100):
        y = 20 + (x - 30) // 2
        image[y : y + 2, x] = 255
    return write_png(tmp_path / "photo.png", image)
