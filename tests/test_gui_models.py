"""Models in the window: the Models dialog, the engine chooser, the Filters menu."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from _model_files import (
    denoise_module,
    lama_weights,
    pretend_gpu_out_of_memory,
    save_safetensors,
    sr_module,
    write_malicious_pickle,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from restorer.catalog import registry
from restorer.jobs import Job
from restorer.models.info import ModelInfo
from restorer.models.runtime import model_cache
from restorer.paths import models_dir
from restorer.progress import Progress
from tests.gui_helpers import event_kind, open_photo, pixels_rgb, stroke_along
from ui.features.models.dialog import ModelsDialog, show_models_dialog
from ui.features.models.filters import run_filter
from ui.shell import MenuId

pytest_plugins = ["tests.gui_support"]

Button = QMessageBox.StandardButton


@pytest.fixture(autouse=True)
def _fresh_models():
    registry().refresh()  # each test has its own models folder
    yield
    model_cache().clear()
    registry().refresh()


def wait_idle(qtbot, window, timeout=60000) -> None:
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=timeout)


def add_through_dialog(qtbot, window, monkeypatch, path: Path) -> ModelsDialog:
    """Models → Manage Models…, Add…, choose `path` in the (stubbed) file dialog."""
    window.menu(MenuId.MODELS).actions()[0].trigger()  # Manage Models…
    dialog = window.features["models"].dialog
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    dialog.add_button.click()
    assert window.jobs.busy and not dialog.add_button.isEnabled()  # one job at a time
    wait_idle(qtbot, window)
    return dialog


def menu_texts(window) -> list[str]:
    window.features["models"].filters_menu.rebuild()
    return [action.text() for action in window.features["models"].filters_menu.model_actions()]


def filter_action(window, model_id: str):
    window.features["models"].filters_menu.rebuild()
    for action in window.features["models"].filters_menu.model_actions():
        if action.data() == model_id:
            return action
    raise AssertionError(f"{model_id} is not in the Filters menu")


def folder_listing() -> list[str]:
    return sorted(path.name for path in models_dir().iterdir())


def test_add_a_super_resolution_model_and_upscale_the_photo(
    qtbot, window, dialogs, monkeypatch, tmp_path, photo_path
):
    source = save_safetensors(sr_module(scale=2), tmp_path / "Tiny SR x2.safetensors")
    dialog = add_through_dialog(qtbot, window, monkeypatch, source)
    assert dialogs.shown == []
    rows = dialog.row_texts()
    assert len(rows) == 1
    name, arch, use, scale, size, sha, device = rows[0]
    info = dialog.models[0]
    assert name == "Tiny SR x2" and "Compact" in arch
    assert use == "Filter: super-resolution" and scale == "2×"
    assert size.endswith("KB") and sha == info.sha256[:12]
    assert info.sha256 in dialog.table.item(0, 5).toolTip()
    assert device == "CPU (fp32)"
    dialog.table.selectRow(0)
    assert dialog.copy_sha() == info.sha256 == QGuiApplication.clipboard().text()
    assert menu_texts(window) == ["Tiny SR x2 (RealESRGAN Compact, 2× super-resolution)"]

    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    filter_action(window, info.id).trigger()
    assert window.jobs.busy
    wait_idle(qtbot, window)
    document = window.document
    assert (document.height, document.width) == (192, 256)
    assert "256 × 192" in window.size_label.text()
    message = window.statusBar().currentMessage()
    assert "Tiny SR x2 applied to the whole photo → 256 × 192 px on CPU" in message
    assert window.isWindowModified()
    upscaled = pixels_rgb(window)
    assert document.undo_stack.count() == 1
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original)
    window.features["edit"].redo()
    assert np.array_equal(pixels_rgb(window), upscaled)

    # With a mask painted, a scaled model works on the area only: the size stays.
    stroke_along(qtbot, window.canvas, [(60.0, 60.0), (150.0, 90.0)])
    mask = document.mask.astype(bool)
    filter_action(window, info.id).trigger()
    wait_idle(qtbot, window)
    assert (document.height, document.width) == (192, 256)
    changed = (pixels_rgb(window) != upscaled).any(axis=2)
    assert changed.any() and not changed[~mask].any()

    # A result larger than Restorer works with is refused before any work.
    window.document.clear_mask()
    monkeypatch.setattr("ui.features.models.filters.MAX_PIXELS", 100_000)
    steps = document.undo_stack.count()
    filter_action(window, info.id).trigger()
    assert not window.jobs.busy and document.undo_stack.count() == steps
    assert "too large" in dialogs.of_kind("critical")[-1][1]
    dialogs.shown.clear()

    # Remove (after confirming): gone from the dialog and the menu, file deleted.
    dialogs.answers["question"] = Button.Yes
    dialog.table.selectRow(0)
    dialog.remove_button.click()
    wait_idle(qtbot, window)
    assert dialog.row_texts() == [] and dialog.empty_label.isVisibleTo(dialog)
    assert menu_texts(window) == []
    assert folder_listing() == []
    assert any(kind == "question" for kind, _, _ in dialogs.shown)


def test_a_restoration_filter_on_the_masked_area_changes_only_masked_pixels(
    qtbot, window, dialogs, monkeypatch, tmp_path, photo_path
):
    source = save_safetensors(denoise_module(), tmp_path / "dncnn.safetensors")
    add_through_dialog(qtbot, window, monkeypatch, source)
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    stroke_along(qtbot, window.canvas, [(40.0, 40.0), (80.0, 50.0)])
    mask = window.document.mask.astype(bool)
    assert mask.any()
    window.features["models"].filters_menu.rebuild()
    assert (
        window.features["models"]
        .filters_menu.actions()[0]
        .text()
        .startswith("Applies to the masked area")
    )
    filter_action(window, "dncnn").trigger()
    wait_idle(qtbot, window)
    assert dialogs.shown == []
    filtered = pixels_rgb(window)
    changed = (filtered != original).any(axis=2)
    assert changed.any() and not changed[~mask].any()
    assert np.array_equal(window.document.mask.astype(bool), mask)  # the selection stays
    assert window.document.undo_stack.undoText() == "Filter dncnn (masked area)"
    window.features["edit"].undo()
    assert np.array_equal(pixels_rgb(window), original)


def test_a_filter_on_a_soft_mask_blends_by_its_coverage(
    qtbot, window, dialogs, monkeypatch, tmp_path, photo_path
):
    source = save_safetensors(denoise_module(), tmp_path / "dncnn.safetensors")
    add_through_dialog(qtbot, window, monkeypatch, source)
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window).astype(int)
    window.canvas.set_hardness(0.4)
    window.features["mask"].brush_size.set_value(40)
    stroke_along(qtbot, window.canvas, [(60.0, 48.0)])
    coverage = window.document.mask.copy()
    filter_action(window, "dncnn").trigger()
    wait_idle(qtbot, window)
    assert dialogs.shown == []
    change = np.abs(pixels_rgb(window).astype(int) - original).sum(axis=2)
    assert not change[coverage == 0].any()  # untouched outside
    faint, full = (coverage > 0) & (coverage < 80), coverage == 255
    assert faint.any() and full.any()
    assert change[faint].mean() < change[full].mean() / 2  # the edge only partly
    assert np.array_equal(window.document.mask, coverage)  # the selection stays


@dataclass
class _Blocker(Job):
    """Holds the worker until released, so the next job can be cancelled while queued."""

    release: threading.Event = field(default_factory=threading.Event)
    title: str = "Waiting"

    def run(self, progress: Progress) -> None:
        self.release.wait(10)


def test_cancelling_a_filter_changes_nothing(
    qtbot, window, dialogs, monkeypatch, tmp_path, photo_path
):
    source = save_safetensors(sr_module(scale=2), tmp_path / "sr.safetensors")
    add_through_dialog(qtbot, window, monkeypatch, source)
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    blocker = _Blocker()
    window.jobs.submit(blocker, lambda _: None, background=True)
    info = window.features["models"].installed()[0]
    job_id = run_filter(window, info)
    assert job_id is not None and window.features["repair"].cancel_action.isEnabled()
    with qtbot.waitSignal(
        window.jobs.event, check_params_cb=event_kind("cancelled"), timeout=10000
    ):
        window.features["repair"].cancel_action.trigger()
        blocker.release.set()
    wait_idle(qtbot, window)
    assert np.array_equal(pixels_rgb(window), original)
    assert window.document.undo_stack.count() == 0
    assert "cancelled" in window.statusBar().currentMessage()
    assert dialogs.shown == []


def test_a_malicious_pickle_is_refused_and_the_folder_is_unchanged(
    qtbot, window, dialogs, monkeypatch, tmp_path
):
    target = tmp_path / "pwned.txt"
    source = write_malicious_pickle(tmp_path / "evil.pth", target)
    before = folder_listing()
    dialog = add_through_dialog(qtbot, window, monkeypatch, source)
    errors = dialogs.of_kind("critical")
    assert len(errors) == 1 and errors[0][1] == "Could not add the model"
    assert "Nothing was added" in errors[0][2]
    assert not target.exists()
    assert folder_listing() == before and dialog.row_texts() == []

    # Not a model at all: also a clear refusal.
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    dialog.add_file(junk)
    wait_idle(qtbot, window)
    assert len(dialogs.of_kind("critical")) == 2
    assert "not a model file" in dialogs.of_kind("critical")[1][2]
    assert folder_listing() == before


def test_lama_becomes_an_engine_loads_when_chosen_and_falls_back_when_removed(
    qtbot, window, dialogs, monkeypatch, tmp_path
):
    default = window.engine_combo.currentData()
    source = save_safetensors(lama_weights(), tmp_path / "big-lama.safetensors")
    dialog = add_through_dialog(qtbot, window, monkeypatch, source)
    assert dialogs.shown == []
    assert dialog.row_texts()[0][2] == "Repair engine (inpainting)"
    combo = window.engine_combo
    index = combo.findData("big-lama")
    assert index >= 0 and combo.currentData() == default
    assert menu_texts(window) == []  # an engine, not a filter

    combo.setCurrentIndex(index)  # choosing it loads it on the worker
    assert window.jobs.busy
    wait_idle(qtbot, window)
    assert model_cache().loaded() == [("big-lama", "cpu")]
    assert "ready" in window.statusBar().currentMessage()
    assert window.engine_label.text() == "big-lama"

    window.features["models"].remove("big-lama")
    wait_idle(qtbot, window)
    assert combo.findData("big-lama") < 0
    assert combo.currentData() == default == window.engine_choice.engine().id
    assert model_cache().loaded() == []
    assert dialogs.shown == []


def test_a_model_that_fails_to_load_keeps_the_previous_engine(qtbot, window, dialogs):
    # A model whose file was damaged after it was added.
    info = ModelInfo(
        id="broken-lama",
        file_name="broken-lama.safetensors",
        architecture="LaMa",
        architecture_name="LaMa",
        purpose="inpaint",
        scale=1,
        size_bytes=64,
        sha256="0" * 64,
        file_format="safetensors",
    )
    (models_dir() / info.file_name).write_bytes(b"\x00" * 64)
    (models_dir() / f"{info.id}.model.json").write_text(info.to_json())
    registry().refresh()
    window.features["models"].refresh_engines()
    combo = window.engine_combo
    assert combo.findData("broken-lama") >= 0
    before = combo.currentData()
    combo.setCurrentIndex(combo.findData("broken-lama"))
    wait_idle(qtbot, window)
    errors = dialogs.of_kind("critical")
    assert len(errors) == 1 and errors[0][1] == "Could not load the model"
    assert combo.currentData() == before == window.features["models"].engine_id
    assert window.engine_label.text() == combo.currentText()
    assert window.isVisible()

    # Choosing another engine while the model still loads: that choice stays.
    blocker = _Blocker()
    window.jobs.submit(blocker, lambda _: None, background=True)
    combo.setCurrentIndex(combo.findData("broken-lama"))
    combo.setCurrentIndex(combo.findData("navier-stokes"))
    blocker.release.set()
    wait_idle(qtbot, window)
    assert len(dialogs.of_kind("critical")) == 2
    assert combo.currentData() == "navier-stokes" == window.features["models"].engine_id


def test_models_dialog_opens_once_and_shows_the_folder(qtbot, window):
    dialog = show_models_dialog(window, window.features["models"])
    assert show_models_dialog(window, window.features["models"]) is dialog
    assert str(models_dir()) in dialog.folder_label.text()
    assert not dialog.remove_button.isEnabled() and dialog.add_button.isEnabled()
    dialog.close()


def test_a_filter_whose_file_went_missing_fails_with_a_message(
    qtbot, window, dialogs, monkeypatch, tmp_path, photo_path
):
    source = save_safetensors(sr_module(scale=2), tmp_path / "sr.safetensors")
    add_through_dialog(qtbot, window, monkeypatch, source)
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    action = filter_action(window, "sr")
    (models_dir() / "sr.safetensors").unlink()  # deleted behind the app's back
    action.trigger()
    wait_idle(qtbot, window)
    errors = dialogs.of_kind("critical")
    assert len(errors) == 1 and "The photo is unchanged" in errors[0][2]
    assert np.array_equal(pixels_rgb(window), original)
    assert window.document.undo_stack.count() == 0


@pytest.fixture
def pretend_gpu(monkeypatch):
    """The window's device probe reports a CUDA GPU."""
    from restorer.workflows import jobs

    monkeypatch.setattr(
        jobs.ProbeDevicesJob, "run", lambda self, progress: jobs.DeviceInfo(True, "CUDA: Test GPU")
    )


def test_the_dialog_names_the_gpu_and_precision(qtbot, pretend_gpu, window, monkeypatch, tmp_path):
    source = save_safetensors(sr_module(scale=2), tmp_path / "sr.safetensors")
    dialog = add_through_dialog(qtbot, window, monkeypatch, source)
    assert dialog.row_texts()[0][6] == "CUDA: Test GPU (fp16)"  # Compact supports half
    window.device_combo.setCurrentIndex(window.device_combo.findData("cpu"))
    assert dialog.row_texts()[0][6] == "CPU (fp32)"


def test_after_running_out_of_gpu_memory_the_message_names_the_cpu(
    qtbot, pretend_gpu, window, dialogs, monkeypatch, tmp_path, photo_path
):
    source = save_safetensors(denoise_module(), tmp_path / "dncnn.safetensors")
    add_through_dialog(qtbot, window, monkeypatch, source)
    open_photo(qtbot, window, photo_path)
    original = pixels_rgb(window)
    window.device_combo.setCurrentIndex(window.device_combo.findData("cuda"))
    pretend_gpu_out_of_memory(monkeypatch)
    filter_action(window, "dncnn").trigger()
    wait_idle(qtbot, window)
    assert dialogs.shown == []
    assert not np.array_equal(pixels_rgb(window), original)
    message = window.statusBar().currentMessage()
    assert "dncnn applied to the whole photo on CPU (fp32)" in message
    assert "Test GPU" not in message
    assert "out of memory at first, so it ran on the CPU" in message


def test_cancelling_an_add_leaves_the_folder_unchanged(
    qtbot, window, dialogs, monkeypatch, tmp_path
):
    source = save_safetensors(sr_module(scale=2), tmp_path / "sr.safetensors")
    before = folder_listing()
    blocker = _Blocker()
    window.jobs.submit(blocker, lambda _: None, background=True)
    window.menu(MenuId.MODELS).actions()[0].trigger()
    dialog = window.features["models"].dialog
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(source), ""))
    )
    dialog.add_button.click()
    with qtbot.waitSignal(
        window.jobs.event, check_params_cb=event_kind("cancelled"), timeout=10000
    ):
        window.job_panel.cancel_requested.emit()  # the status bar's Cancel
        blocker.release.set()
    wait_idle(qtbot, window)
    assert folder_listing() == before and dialog.row_texts() == []
    assert "cancelled" in window.statusBar().currentMessage()
    assert dialogs.shown == []


def test_dropping_a_model_file_on_the_dialog_adds_it(qtbot, window, dialogs, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    source = save_safetensors(denoise_module(), tmp_path / "dncnn.safetensors")
    dialog = show_models_dialog(window, window.features["models"])

    keep = []  # the event points at its mime data: keep that alive

    def drop(path: Path) -> QDropEvent:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        keep.append(mime)
        return QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )

    photo = tmp_path / "photo.png"
    photo.write_bytes(b"not a model")
    assert dialog.dropped_model(drop(photo)) is None  # only model files are taken
    dialog.dropEvent(drop(source))
    # The add runs as a job; it may be over before a poll sees it busy, so wait for
    # its result rather than for the busy flag.
    qtbot.waitUntil(lambda: [row[0] for row in dialog.row_texts()] == ["dncnn"], timeout=10000)
    wait_idle(qtbot, window)
    assert dialogs.shown == []
