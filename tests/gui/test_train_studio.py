"""Models → Train a Model… on the real window: a few-step training on a tiny folder of
generated photos shows its curves and samples, pauses, resumes and stops, is evaluated,
and only Keep adds it to the models folder (a filter in the Filters menu, or an engine in
the engine choice); closing the studio with a model not kept asks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from restorer.catalog import new_registry, use_registry
from restorer.models import store
from restorer.models.runtime import model_cache
from restorer.train.checkpoint import training_dir
from tests.gui.helpers import event_kind
from ui.features.models.dialog import ModelsDialog
from ui.features.train.studio import NO_PERCEPTUAL_NOTE, TrainStudio
from ui.shell import MenuId

Button = QMessageBox.StandardButton


@pytest.fixture(autouse=True)
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def own_registry():
    """The engines of models kept here live in a registry of the test's own, so no other
    test sees them (each test has its own models folder)."""
    with use_registry(new_registry()):
        yield
    model_cache().clear()


@pytest.fixture
def photos(tmp_path):
    """Eight small photos: gradients with coloured discs."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(8):
        rng = np.random.default_rng(index)
        y, x = np.mgrid[0:48, 0:56].astype(np.float32)
        image = np.stack([x * 4, y * 3 + rng.uniform(0, 80), np.full_like(x, 100)], -1)
        for _ in range(3):
            centre = (int(rng.integers(0, 56)), int(rng.integers(0, 48)))
            colour = rng.uniform(0, 255, 3).tolist()
            cv2.circle(image, centre, int(rng.integers(3, 10)), colour, -1)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(folder / f"p{index}.png")
    return folder


def _studio(qtbot, window, photos, name: str, task: str, steps: int) -> TrainStudio:
    menu = window.menu(MenuId.MODELS)
    action = next(a for a in menu.actions() if a.objectName() == "trainModelAction")
    action.trigger()
    studio = window.findChild(TrainStudio)
    qtbot.waitExposed(studio)
    studio.min_images, studio.val_crop, studio.eval_crop, studio.eval_limit = 4, 32, 32, 2
    studio.folder_edit.setText(str(photos))
    studio.task_combo.setCurrentIndex(studio.task_combo.findData(task))
    studio.size_combo.setCurrentIndex(studio.size_combo.findData("tiny"))
    studio.crop_combo.setCurrentIndex(studio.crop_combo.findData(32))
    studio.batch_spin.setValue(2)
    studio.steps_spin.setValue(steps)
    studio.eval_spin.setValue(2)
    studio.strip_spin.setValue(2)
    studio.name_edit.setText(name)
    return studio


def _ids() -> set[str]:
    return {info.id for info in store.list_models()}


def test_train_a_filter_live_pause_resume_stop_then_keep(qtbot, window, photos):
    studio = _studio(qtbot, window, photos, "scans", "filter", 100000)
    assert studio.degradations() == "noise:25,jpeg:30-90"  # the default recipe, ticked
    assert studio.findChild(type(studio.status_label), "perceptualNote").text() == (
        NO_PERCEPTUAL_NOTE
    )
    studio.start_button.click()
    assert studio.training and not studio.start_button.isEnabled()
    qtbot.waitUntil(
        lambda: studio.last_status is not None and studio.last_status.step >= 10, timeout=60000
    )
    qtbot.waitUntil(lambda: len(studio.loss_curve.getData()[0] or []) >= 1, timeout=20000)
    assert len(studio.psnr_curve.getData()[0]) >= 1  # validation PSNR measured every 2 steps
    strip = studio.strip_picture.array
    assert strip is not None and strip.shape[1:] == (3 * 32, 3)  # damaged | model | clean
    assert not studio.strip_picture.pixmap().isNull()
    speed = studio.speed_label.text()
    assert "steps/s" in speed and " left" in speed and "on CPU" in speed

    studio.pause_button.click()
    assert studio.pause_button.text() == "Resume"
    qtbot.wait(300)  # the step under way ends
    paused_at = studio.last_status.step
    qtbot.wait(500)
    assert studio.last_status.step == paused_at  # nothing trains while paused
    studio.pause_button.click()
    assert studio.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: studio.last_status.step > paused_at, timeout=20000)

    with qtbot.waitSignal(studio.thread.finished, timeout=60000):
        studio.stop_button.click()
    result = studio.result
    assert result is not None and result.stopped_early
    assert "Stopped at step" in studio.status_label.text()
    table = studio.evaluation_label.text()
    assert "input" in table and "scans" in table and "nlmeans" in table
    assert studio.strip_caption.text().startswith("Evaluation: damaged | scans | nlmeans")
    assert "scans" not in _ids()  # nothing is installed before Keep
    assert studio.keep_button.isEnabled()

    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=30000):
        studio.keep_button.click()
    info = store.get("scans")
    assert info.is_filter and info.architecture == "Compact"
    assert "Validation:" in info.notes and "nlmeans" in info.notes  # evaluation in details
    assert not studio.keep_button.isEnabled() and studio.kept == info
    filters = window.features["models"].filters_menu
    filters.rebuild()
    assert "scans" in [action.data() for action in filters.model_actions()]
    manage = next(a for a in window.menu(MenuId.MODELS).actions() if "Manage" in a.text())
    manage.trigger()
    models = window.findChild(ModelsDialog)
    assert models.select("scans")
    assert models.details_label.text() == info.notes and models.details_label.isVisible()


def test_inpainting_model_finishes_and_closing_asks_to_keep_it(qtbot, window, dialogs, photos):
    studio = _studio(qtbot, window, photos, "fills", "inpaint", 3)
    studio.start_button.click()
    qtbot.waitUntil(
        lambda: studio.result is not None and studio.start_button.isEnabled(), timeout=90000
    )
    assert studio.result is not None and not studio.result.stopped_early
    assert {"patchmatch", "telea"} <= set(studio.result.evaluation.scores)
    assert "fills" not in _ids()

    dialogs.answers["question"] = Button.Save
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=30000):
        studio.close()
    assert dialogs.of_kind("question")[-1][1] == "Keep the trained model?"
    assert store.get("fills").is_inpainting
    assert "fills" in [engine.id for engine in window.engine_choice.engines]


def test_discarding_on_close_leaves_nothing(qtbot, window, dialogs, photos):
    studio = _studio(qtbot, window, photos, "dropped", "filter", 2)
    studio.start_button.click()
    qtbot.waitUntil(
        lambda: studio.result is not None and studio.start_button.isEnabled(), timeout=60000
    )
    assert training_dir("dropped").is_dir()
    first = studio.result
    dialogs.answers["question"] = Button.Discard
    studio.start_button.click()  # asks about the model not kept, discards it, trains again
    assert dialogs.of_kind("question")[-1][1] == "Keep the trained model?"
    qtbot.waitUntil(
        lambda: studio.result is not None and studio.start_button.isEnabled(), timeout=60000
    )
    assert studio.result is not first and studio.result.step == 2
    studio.close()
    assert not studio.isVisible()
    assert not training_dir("dropped").exists() and "dropped" not in _ids()


def test_wrong_settings_are_a_clear_message(qtbot, window, dialogs, photos):
    studio = _studio(qtbot, window, photos, "bad name!", "filter", 2)
    studio.start_button.click()
    assert "cannot name a model" in dialogs.of_kind("critical")[-1][2]
    studio.name_edit.setText("ok")
    for check in studio.degradation_checks.values():
        check.setChecked(False)
    studio.start_button.click()
    assert "Tick at least one kind of damage" in dialogs.of_kind("critical")[-1][2]
    assert studio.thread is None and studio.start_button.isEnabled()


def test_continuing_a_kept_model_trains_on_and_keep_replaces_it(qtbot, window, photos):
    studio = _studio(qtbot, window, photos, "again", "filter", 2)
    studio.start_button.click()
    qtbot.waitUntil(
        lambda: studio.result is not None and studio.start_button.isEnabled(), timeout=60000
    )
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=30000):
        studio.keep_button.click()
    first = store.get("again")

    studio.resume_check.setChecked(True)
    studio.start_button.click()
    qtbot.waitUntil(
        lambda: studio.result is not None and studio.start_button.isEnabled(), timeout=60000
    )
    assert studio.result.resumed and studio.result.step == 4
    assert store.get("again") == first  # the earlier version stays until Keep
    with qtbot.waitSignal(window.jobs.event, check_params_cb=event_kind("finished"), timeout=30000):
        studio.keep_button.click()
    kept = store.get("again")
    assert kept.sha256 != first.sha256 and "4 steps" in kept.notes
    assert [info.id for info in store.list_models()] == ["again"]
