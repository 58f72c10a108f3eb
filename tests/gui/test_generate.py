"""Generate → GAN Studio… trains live and stops; Generate Images… makes pictures, opens one
as a document and exports them all."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QFileDialog

from restorer.generate import store
from restorer.generate.checkpoint import read_config
from restorer.generate.gan import TrainJob, sample
from restorer.generate.trainer import History, TrainingStatus
from restorer.imageio import load_image
from restorer.progress import Progress
from tests.gui.helpers import event_kind
from tests.support.gan import single_torch_thread, tiny_config, tiny_folder  # noqa: F401
from ui.features.generate.gan_studio import GanStudio
from ui.features.generate.generate_dialog import GenerateDialog
from ui.shell import MenuId


def _trigger(window, name: str) -> None:
    menu = window.menu(MenuId.GENERATE)
    assert menu is not None
    action = next(a for a in menu.actions() if a.objectName() == name)
    action.trigger()


def _studio(qtbot, window, folder, steps: int, name: str) -> GanStudio:
    _trigger(window, "ganStudioAction")
    studio = window.findChild(GanStudio)
    qtbot.waitExposed(studio)
    studio.folder_edit.setText(str(folder))
    studio.size_combo.setCurrentIndex(0)  # 32 px
    studio.steps_spin.setValue(steps)
    studio.name_edit.setText(name)
    studio.width_spin.setValue(8)
    studio.batch_spin.setValue(4)
    studio.sample_spin.setValue(2)
    studio.eval_spin.setValue(10)
    studio.eval_samples = 32  # a quick SWD for the test
    return studio


def test_studio_trains_live_shows_curves_samples_swd_then_stops(qtbot, window, tmp_path):
    folder = tiny_folder(tmp_path / "pictures")
    studio = _studio(qtbot, window, folder, 1000, "live")
    studio.train_button.click()
    assert studio.training and not studio.train_button.isEnabled()
    # Loss curves (logged every 10 steps), a sample grid and an SWD reading appear live.
    qtbot.waitUntil(
        lambda: studio.last_status is not None and studio.last_status.step >= 10, timeout=60000
    )
    assert studio.samples_label.pixmap() is not None and not studio.samples_label.pixmap().isNull()
    qtbot.waitUntil(lambda: len(studio.g_curve.getData()[0] or []) >= 1, timeout=20000)
    assert studio.swd_label.text().startswith("SWD: ")
    assert "steps/s" in studio.speed_label.text() and "left" in studio.speed_label.text()
    assert studio.speed_label.text().endswith("on CPU")
    # The bar counts the same steps as the line under it.
    assert studio.progress_bar.maximum() == 1000 == studio.last_status.total
    assert studio.progress_bar.value() == studio.last_status.step

    studio.pause_button.click()
    assert studio.pause_button.text() == "Resume"
    studio.pause_button.click()
    assert studio.pause_button.text() == "Pause"

    with qtbot.waitSignal(studio.thread.finished, timeout=30000):
        studio.stop_button.click()
    assert studio.result is not None and studio.result.stopped_early
    assert "Stopped at step" in studio.status_label.text()
    assert "left" not in studio.speed_label.text()  # nothing is left once it stopped
    assert f"Step {studio.result.step} of 1000" in studio.speed_label.text()
    assert studio.progress_bar.value() == studio.result.step
    assert studio.train_button.isEnabled()
    _, state = read_config(store.find("live"))
    assert state["step"] == studio.result.step >= 10


def test_closing_the_main_window_stops_training_with_a_checkpoint(qtbot, window, tmp_path):
    folder = tiny_folder(tmp_path / "pictures")
    studio = _studio(qtbot, window, folder, 100000, "closing")
    studio.eval_spin.setValue(0)
    studio.train_button.click()
    qtbot.waitUntil(lambda: studio.last_status is not None, timeout=60000)
    thread = studio.thread
    window.close()
    assert not thread.isRunning()
    assert read_config(store.find("closing"))[1]["step"] >= 1


def test_closing_the_studio_mid_training_stops_cleanly(qtbot, window, tmp_path):
    folder = tiny_folder(tmp_path / "pictures")
    studio = _studio(qtbot, window, folder, 100000, "studio-closed")
    studio.eval_spin.setValue(0)
    studio.train_button.click()
    qtbot.waitUntil(lambda: studio.last_status is not None, timeout=60000)
    thread = studio.thread
    studio.close()
    assert not thread.isRunning() and not studio.isVisible()
    assert read_config(store.find("studio-closed"))[1]["step"] >= 1
    assert window.isVisible()  # the app carries on


def test_bad_folder_is_reported_and_the_studio_stays_usable(qtbot, window, dialogs, tmp_path):
    studio = _studio(qtbot, window, tmp_path / "missing", 10, "nothing")
    studio.train_button.click()
    qtbot.waitUntil(lambda: bool(dialogs.of_kind("critical")), timeout=30000)
    assert "is not a folder" in dialogs.of_kind("critical")[0][2]
    qtbot.waitUntil(lambda: studio.train_button.isEnabled())
    assert store.list_generators() == []


def test_generate_dialog_makes_pictures_opens_one_and_exports(qtbot, window, tmp_path, monkeypatch):
    TrainJob(tiny_folder(tmp_path / "pictures"), "bands", 2, tiny_config(size=16)).run(Progress())
    _trigger(window, "generateImagesAction")
    dialog = window.findChild(GenerateDialog)
    qtbot.waitExposed(dialog)
    assert dialog.model_combo.currentText() == "bands"
    dialog.count_spin.setValue(6)
    dialog.seed_spin.setValue(4)
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=20000):
        dialog.generate_button.click()
    qtbot.waitUntil(lambda: dialog.gallery.count() == 6)
    assert np.array_equal(dialog.images, sample("bands", 6, 4))

    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=20000):
        dialog.copies_button.click()
    qtbot.waitUntil(lambda: "of 6 samples are near-copies" in dialog.status_label.text())
    assert dialog.gallery.item(0).toolTip().startswith("Nearest training picture: picture-")

    dialog.gallery.setCurrentRow(2)
    dialog.open_button.click()
    qtbot.waitUntil(lambda: window.document is not None, timeout=20000)
    assert window.document.untitled and window.document.name == "bands seed 4 3"
    assert np.array_equal(window.document.pixels[..., :3], dialog.images[2])

    out = tmp_path / "export"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=20000):
        dialog.export_button.click()
    files = sorted(out.glob("*.png"))
    assert len(files) == 6
    assert np.array_equal(load_image(files[5]).rgb, dialog.images[5])

    dialog.interpolate_check.setChecked(True)
    dialog.seed_b_spin.setValue(9)
    dialog.count_spin.setValue(4)
    qtbot.waitUntil(lambda: dialog.generate_button.isEnabled())
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=20000):
        dialog.generate_button.click()
    qtbot.waitUntil(lambda: dialog.gallery.count() == 4)
    assert np.abs(dialog.images[0].astype(int) - sample("bands", 1, 4)[0]).max() <= 1


def test_studio_bar_follows_steps_and_one_swd_point_gets_a_readable_axis(qtbot, window):
    _trigger(window, "ganStudioAction")
    studio = window.findChild(GanStudio)
    qtbot.waitExposed(studio)
    history = History(steps=[10], loss_g=[1.0], loss_d=[0.5], swd_steps=[100], swd=[100.0])
    status = TrainingStatus(4, 400, 1.0, 0.5, 2.0, 198.0, history)
    studio._show_status(status)
    assert (studio.progress_bar.minimum(), studio.progress_bar.maximum()) == (0, 400)
    assert studio.progress_bar.value() == 4  # 1%, as "Step 4 of 400" says
    assert studio.speed_label.text().startswith("Step 4 of 400")
    (x_low, x_high), (y_low, y_high) = studio.swd_plot.getViewBox().viewRange()
    assert x_low <= 0 and x_high >= 110  # not 99.6-100.4
    assert y_low <= 0 and y_high >= 110
    studio._show_status(TrainingStatus(117, 400, 1.0, 0.5, 2.0, 140.0, history))
    assert studio.progress_bar.value() == 117
    assert round(100 * studio.progress_bar.value() / studio.progress_bar.maximum()) == 29
    studio._ended("Training cancelled.")
    assert "left" not in studio.speed_label.text()
    studio.close()
