"""Repair the document's mask with the chosen engine, as one undo step: the one way the
features start a repair (Edit → Repair, Mask → Clean Up Dust & Scratches).

The photo and mask go to a job on the worker (`Document.repair_job`); the outcome comes
back as one undo step (`Document.apply_outcome`), unless another photo was opened or the
photo changed size meanwhile. Failures keep the mask and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from restorer.errors import RestorerError
from restorer.workflows.jobs import RepairOutcome
from ui.core import dialogs

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from restorer.engines.base import Engine
    from ui.core.engine_choice import EngineChoice
    from ui.core.jobs import Jobs
    from ui.document.document import Document


class RepairHost(Protocol):
    """What a repair needs of the window (`ui.shell.Shell` has all of it)."""

    @property
    def document(self) -> Document | None: ...

    @property
    def jobs(self) -> Jobs: ...

    @property
    def engine_choice(self) -> EngineChoice: ...

    def widget(self) -> QWidget: ...

    def status(self, message: str, timeout_ms: int = 0) -> None: ...


def submit_repair(
    shell: RepairHost,
    *,
    grow: int = 0,
    finished: Callable[[Engine, RepairOutcome], str],
    nothing: str | None = None,
    cancelled: str | None = None,
    on_end: Callable[[], None] | None = None,
) -> int | None:
    """Start repairing the mask of `shell.document`; the job's id, or None when there is
    no photo, the worker is busy, the mask is empty or the engine cannot be had.

    `grow` widens the repaired area (px, `restorer.grow_area`); `finished(engine, outcome)`
    is the status line after a repair landed; `nothing` is said when the mask is empty,
    `cancelled` after a cancel; `on_end` runs however the job ended."""
    document = shell.document
    if document is None or shell.jobs.busy:
        return None
    document.end_stroke()
    if document.mask_is_empty():
        if nothing:
            shell.status(nothing, 6000)
        return None
    choice = shell.engine_choice
    try:
        engine = choice.engine()
    except RestorerError as error:
        dialogs.show_error(shell.widget(), "Cannot repair", str(error))
        return None
    job = document.repair_job(
        engine.id, choice.job_device(engine), engine_label=engine.label, grow=grow
    )

    def done(outcome: RepairOutcome | None) -> None:
        if document is not shell.document:
            return  # another photo is open now
        if outcome is None:
            shell.status("Nothing to repair.", 4000)
            return
        if document.apply_outcome(job, outcome):  # False: the photo changed size meanwhile
            shell.status(finished(engine, outcome), 8000)

    def failed(message: str) -> None:
        dialogs.show_error(shell.widget(), "Repair failed", f"{message}\n\nYour mask is kept.")

    def was_cancelled() -> None:
        if cancelled:
            shell.status(cancelled, 5000)

    def ended() -> None:
        document.release_job(job)
        if on_end is not None:
            on_end()

    return shell.jobs.submit(job, done, on_failed=failed, on_cancelled=was_cancelled, on_end=ended)
