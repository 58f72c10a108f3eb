"""The Filters menu: one entry per installed image-to-image model (restore filters).

A filter works like filters in other photo editors: with a mask painted it changes
only the masked area (the mask acts as the selection and stays), otherwise the whole
photo. A super-resolution model on the whole photo makes it larger; on a masked area
it runs on a crop around the area, is reduced back and blended in, so the photo keeps
its size. Every run is a cancellable worker job and one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from restorer.filters import FilterRun
from restorer.imageio import MAX_PIXELS
from restorer.models.info import ModelInfo
from restorer.workflows.filters import DocumentFilterJob, NewPhoto
from restorer.workflows.jobs import RepairOutcome
from ui.core import dialogs
from ui.features.models.controller import ModelsController
from ui.features.models.dialog import show_models_dialog
from ui.shell import MenuId

if TYPE_CHECKING:
    from ui.shell import Shell

WHOLE_PHOTO_HINT = "Applies to the whole photo (paint a mask to filter only part of it)"
MASKED_HINT = "Applies to the masked area (clear the mask to filter the whole photo)"


def filter_text(info: ModelInfo) -> str:
    """A menu entry: 'RealESRGAN_x2plus (RealESRGAN Compact, 2× super-resolution)'."""
    if info.purpose == "super-resolution":
        kind = f"{info.scale}× super-resolution"
    elif info.purpose == "face":
        kind = "face restoration"
    else:
        kind = "restoration" if info.scale == 1 else f"restoration, {info.scale}×"
    return f"{info.label} ({info.architecture_name}, {kind})"


class FiltersMenu:
    """Fills the Filters menu whenever it opens and whenever models are added or removed."""

    def __init__(self, shell: Shell, controller: ModelsController) -> None:
        self.shell = shell
        self.menu = shell.menu(MenuId.FILTERS)
        self.controller = controller
        self.menu.aboutToShow.connect(self.rebuild)
        controller.models_changed.connect(self.rebuild)
        self.rebuild()

    def actions(self) -> list[QAction]:
        return self.menu.actions()

    def model_actions(self) -> list[QAction]:
        """The entries that run a model (not the hint or Manage Models)."""
        return [action for action in self.menu.actions() if action.data()]

    def rebuild(self) -> None:
        menu = self.menu
        menu.clear()
        shell = self.shell
        document = shell.document
        masked = document is not None and not document.mask_is_empty()
        models = [info for info in self.controller.installed() if info.is_filter]
        usable = document is not None and not shell.jobs.busy
        hint = menu.addAction(MASKED_HINT if masked else WHOLE_PHOTO_HINT)
        hint.setEnabled(False)
        menu.addSeparator()
        for info in models:
            action = menu.addAction(filter_text(info))
            action.setData(info.id)
            action.setStatusTip(f"{info.summary()}; SHA-256 {info.sha256[:12]}")
            action.setEnabled(usable)
            action.triggered.connect(lambda _=False, i=info: self.run(i))
        if not models:
            empty = menu.addAction("No filter models yet")
            empty.setEnabled(False)
        menu.addSeparator()
        manage = menu.addAction("Manage Models…")
        manage.triggered.connect(lambda: show_models_dialog(shell, self.controller))

    def run(self, info: ModelInfo) -> int | None:
        """Run `info` on the masked area (if painted) or the whole photo."""
        return run_filter(self.shell, info)


def run_filter(shell: Shell, info: ModelInfo) -> int | None:
    """Hand a filter run to a job; the result comes back as one undo step."""
    document = shell.document
    if document is None or shell.jobs.busy:
        return None
    document.end_stroke()
    masked = not document.mask_is_empty()
    pixels = document.width * document.height * info.scale**2
    if not masked and pixels > MAX_PIXELS:
        dialogs.show_error(
            shell.widget(),
            f"{info.label} would make the photo too large",
            f"{info.label} enlarges {info.scale}×: the result would be "
            f"{pixels / 1e6:.0f} megapixels, more than the {MAX_PIXELS / 1e6:.0f} Restorer "
            "works with. Paint a mask to restore only part of the photo, or use a model "
            "that does not enlarge.",
        )
        return None
    snapshot = document.share_pixels()
    mask = document.mask_snapshot() if masked else None
    device = shell.engine_choice.device  # models run on the CPU or CUDA
    job = DocumentFilterJob(
        snapshot,
        info.id,
        device,
        mask,
        document.has_alpha,
        document.mask_pyramid.gain,
        title=f"Filtering with {info.label}",
    )
    where = "masked area" if masked else "whole photo"
    text = f"Filter {info.label} ({where})"

    def done(outcome: RepairOutcome | NewPhoto | None) -> None:
        if document is not shell.document:
            return
        if outcome is None:
            shell.status("Nothing to filter.", 4000)
            return
        if isinstance(outcome, NewPhoto):
            document.replace_photo(outcome.state, text=text)
            seconds, used, detail = outcome.seconds, outcome.device, f" → {outcome.detail}"
            run = outcome.run
        elif document.apply_patch(outcome.patch, mask, snapshot, outcome.edit, text):
            seconds, used, detail = outcome.patch.seconds, outcome.patch.device, ""
            run = getattr(outcome.patch, "run", None)
        else:
            shell.status(f"{info.label} changed nothing.", 6000)
            return
        on, note = ran_on(shell, used, run)
        shell.status(
            f"{info.label} applied to the {where}{detail} on {on} in {seconds:.2f} s{note}",
            8000,
        )

    def failed(message: str) -> None:
        dialogs.show_error(
            shell.widget(), f"{info.label} failed", f"{message}\n\nThe photo is unchanged."
        )

    def cancelled() -> None:
        shell.status(f"{info.label} cancelled; the photo is unchanged.", 5000)

    def ended() -> None:
        document.release_pixels(snapshot)

    return shell.jobs.submit(job, done, on_failed=failed, on_cancelled=cancelled, on_end=ended)


def ran_on(shell: Shell, device: str, run: FilterRun | None) -> tuple[str, str]:
    """Where a filter really ran, for the status bar ('CUDA: … (fp16)', 'CPU (fp32)'),
    and a note when it had to fall back after running out of memory (else '')."""
    info = shell.engine_choice.device_info
    gpu = info.cuda_label if info else None
    where = "CPU" if device == "cpu" else (gpu or "the GPU")
    if run is None:
        return where, ""
    where += f" ({run.precision_label})"
    note = ""
    if run.fell_back:
        note = f" (out of memory at first, so it ran {run.description})"
    return where, note
