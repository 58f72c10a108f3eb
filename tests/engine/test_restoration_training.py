"""Restoration studio training: a few steps per task on the CPU, resume equals an
uninterrupted run, a non-finite loss keeps the last good checkpoint, and the trained file
is an ordinary model: spandrel detects it and it goes add → filter / engine → repair
through the same paths as any other model."""

from __future__ import annotations

import json
import threading
import time

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from restorer import api
from restorer.filters import apply_filter
from restorer.generate.trainer import TrainingControl, TrainingDiverged
from restorer.models import store
from restorer.models.detect import build_model, describe
from restorer.progress import Progress
from restorer.train.checkpoint import (
    CONFIG_NAME,
    load_trainer,
    read_config,
    save_checkpoint,
    training_dir,
)
from restorer.train.config import FORMAT_VERSION, TrainConfig, TrainConfigError
from restorer.train.data import load_photos, to_uint8
from restorer.train.metrics import psnr
from restorer.train.models import build_network, embed_in_big_lama, export_weights
from restorer.train.studio import TrainModelJob, discard_training, keep_model
from restorer.train.trainer import RestorationTrainer


@pytest.fixture(autouse=True)
def single_torch_thread():
    """Tiny models train fastest on one thread (and never stall on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _photo(seed: int, size: int = 56) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    image = np.stack([x * 3 + rng.uniform(0, 60), y * 2 + 40, np.full_like(x, 120)], -1)
    for _ in range(3):
        centre = (int(rng.integers(0, size)), int(rng.integers(0, size)))
        cv2.circle(image, centre, int(rng.integers(3, 10)), rng.uniform(0, 255, 3).tolist(), -1)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("photos")
    for index in range(6):
        Image.fromarray(_photo(index)).save(path / f"photo-{index}.png")
    return path


@pytest.fixture(scope="module")
def data(folder):
    return load_photos(folder, 32, minimum=4, validation=0.34)


def _config(task: str, **changes) -> TrainConfig:
    values = dict(
        task=task,
        size="tiny",
        crop=32,
        batch=2,
        val_crop=32,
        eval_every=2,
        checkpoint_every=1000,
        degradations="noise:25,jpeg:50",
    )
    values.update(changes)
    return TrainConfig(**values)


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("task", ["filter", "inpaint"])
def test_resume_from_checkpoint_matches_uninterrupted_run(tmp_path, data, task):
    straight = RestorationTrainer(_config(task), data)
    straight.run(4)

    first = RestorationTrainer(_config(task), data)
    first.run(2)
    save_checkpoint(tmp_path / "ck", first)
    resumed = load_trainer(tmp_path / "ck", data)
    assert resumed.step == 2
    resumed.run(4)

    for name in ("net", "ema", "d"):
        if getattr(straight, name) is not None:
            assert _same(getattr(straight, name), getattr(resumed, name)), name
    assert torch.equal(straight.rng.get_state(), resumed.rng.get_state())
    assert straight.history.val_psnr == resumed.history.val_psnr
    assert len(straight.history.val_psnr) == 2
    assert not _same(straight.net, RestorationTrainer(_config(task), data).net)  # it trained


def test_a_few_steps_of_training_improve_a_clean_up_filter(data):
    trainer = RestorationTrainer(_config("filter", eval_every=0, lr=3e-3, batch=4), data)
    before = trainer.validate()
    pairs = trainer.validation()
    damaged = np.mean(
        [psnr(d, c) for d, c in zip(to_uint8(pairs.degraded), to_uint8(pairs.clean), strict=True)]
    )
    assert abs(before - damaged) < 0.1  # untrained, the filter leaves the photo as it is
    trainer.run(25)
    assert np.isfinite(trainer.history.loss).all() and len(trainer.history.loss) == 2
    assert trainer.validate() > before  # the EMA network denoises the held-out crop better
    strip = trainer.strip()
    assert strip.shape == (len(data.validation) * 32, 3 * 32, 3)


def test_checkpoint_from_another_format_is_refused_clearly(tmp_path, data):
    trainer = RestorationTrainer(_config("filter"), data)
    trainer.run(1)
    save_checkpoint(tmp_path, trainer)
    path = tmp_path / CONFIG_NAME
    document = json.loads(path.read_text())
    document["format_version"] = FORMAT_VERSION + 1
    path.write_text(json.dumps(document))
    with pytest.raises(TrainConfigError, match="newer Restorer"):
        read_config(tmp_path)


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(folder):
    job = TrainModelJob(folder, "unstable", 2, _config("filter"), min_images=4, keep=False)
    job.run(Progress())
    good = load_trainer(training_dir("unstable"))
    trainer = load_trainer(training_dir("unstable"), load_photos(folder, 32, minimum=4))
    with torch.no_grad():
        next(trainer.net.parameters()).fill_(float("nan"))
    saved = []
    with pytest.raises(TrainingDiverged, match="last good checkpoint is kept"):
        trainer.run(6, save=saved.append)
    assert saved == []
    kept = load_trainer(training_dir("unstable"))
    assert kept.step == 2 and _same(kept.ema, good.ema)


def test_trained_filter_is_a_model_file_and_filters_photos(folder):
    statuses = []
    job = TrainModelJob(
        folder,
        "my-denoiser",
        3,
        _config("filter"),
        min_images=4,
        eval_crop=32,
        on_status=statuses.append,
        control=TrainingControl(),
    )
    result = job.run(Progress())
    assert [s.step for s in statuses] == [1, 2, 3] and statuses[1].val_psnr is not None
    info = store.get("my-denoiser")
    assert (info.architecture, info.purpose, info.scale) == ("Compact", "restoration", 1)
    assert info.is_filter and result.info == info
    # The evaluation ran the model through the filter path, beside non-local means.
    names = list(result.evaluation.scores)
    assert names[:2] == ["input", "my-denoiser"] and names[2].startswith("nlmeans")
    assert (result.folder / "strip.png").is_file() and (result.folder / "evaluation.json").is_file()

    photo = _photo(9, 40)
    filtered = apply_filter(photo, "my-denoiser", device="cpu")
    trainer = load_trainer(result.folder)
    with torch.no_grad():
        expected = trainer.ema(torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 255)
    expected = (expected[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    assert filtered.shape == photo.shape
    assert np.abs(filtered.astype(int) - expected.astype(int)).max() <= 1


def test_reduced_lama_embedded_in_big_lama_computes_the_same_fill():
    torch.manual_seed(0)
    network = build_network("inpaint", "lama", "tiny")
    network.train()
    with torch.no_grad():  # give the batch norms statistics that are not the defaults
        network(torch.rand(2, 3, 32, 32), (torch.rand(2, 1, 32, 32) > 0.6).float())
    network.eval()
    descriptor = build_model(export_weights(network), "small-lama.safetensors")
    assert describe(descriptor)["architecture"] == "LaMa"
    image, mask = torch.rand(1, 3, 48, 48), (torch.rand(1, 1, 48, 48) > 0.7).float()
    with torch.no_grad():
        assert torch.allclose(descriptor.model(image, mask), network(image, mask), atol=1e-3)
    with pytest.raises(Exception, match="larger than big-lama"):
        embed_in_big_lama(network.state_dict(), 128, 1)


def test_trained_inpainting_model_is_an_engine_that_repairs(folder):
    job = TrainModelJob(
        folder, "my-fill", 2, _config("inpaint"), min_images=4, eval_crop=32, eval_limit=1
    )
    result = job.run(Progress())
    info = store.get("my-fill")
    assert (info.architecture, info.purpose) == ("LaMa", "inpaint")
    assert {"telea", "navier-stokes", "patchmatch"} <= set(result.evaluation.scores)
    assert "texture" in result.evaluation.scores["my-fill"]

    photo = _photo(11, 48)
    hole = np.zeros(photo.shape[:2], bool)
    hole[16:28, 10:30] = True
    repaired = api.inpaint(photo, hole, engine="my-fill", device="cpu")
    assert repaired.shape == photo.shape
    assert np.array_equal(repaired[~hole], photo[~hole])  # outside the hole nothing moves
    assert not np.array_equal(repaired[hole], np.zeros_like(photo[hole]))


def test_pause_holds_training_between_steps_until_resumed_and_stop_ends_it(data):
    trainer = RestorationTrainer(_config("filter", eval_every=0), data)
    control = TrainingControl()
    control.pause()
    runner = threading.Thread(target=trainer.run, args=(3,), kwargs={"control": control})
    runner.start()
    time.sleep(0.4)
    assert trainer.step == 0 and runner.is_alive()  # paused before the first step
    control.resume()
    runner.join(timeout=30)
    assert not runner.is_alive() and trainer.step == 3

    control = TrainingControl()
    control.pause()
    runner = threading.Thread(target=trainer.run, args=(10,), kwargs={"control": control})
    runner.start()
    time.sleep(0.2)
    control.stop()  # a stop while paused ends the run without another step
    runner.join(timeout=30)
    assert not runner.is_alive() and trainer.step == 3


def test_without_keep_the_model_is_evaluated_but_added_only_when_kept(folder):
    job = TrainModelJob(
        folder,
        "Later",
        2,
        _config("filter"),
        min_images=4,
        keep=False,
        evaluate=True,
        eval_crop=32,
    )
    result = job.run(Progress())
    assert store.list_models() == [] and result.info is None  # nothing added yet
    assert list(result.evaluation.scores)[:2] == ["input", "later"]  # run from its file
    assert result.model_file.is_file()

    info = keep_model(result)
    assert store.get("later") == info and info.is_filter
    assert "2 steps" in info.notes and "no pretrained perceptual network" in info.notes
    assert result.evaluation.table() in info.notes  # the evaluation is in its details
    assert discard_training("Later") and not training_dir("later").exists()
    assert store.get("later").model_path.is_file()  # the kept model stays
