"""GAN training: checkpoints resume exactly, old formats are refused clearly, a loss that
goes non-finite stops training and keeps the last good checkpoint."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from restorer.generate import store
from restorer.generate.checkpoint import load_generator, load_trainer, save_checkpoint
from restorer.generate.config import FORMAT_VERSION, GanError
from restorer.generate.dataset import load_folder
from restorer.generate.gan import TrainJob
from restorer.generate.trainer import Trainer, TrainingControl, TrainingDiverged
from restorer.progress import Progress
from tests.support.gan import single_torch_thread, tiny_config, tiny_folder  # noqa: F401


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tiny_folder(tmp_path_factory.mktemp("pictures"))


@pytest.fixture(scope="module")
def data(folder):
    return load_folder(folder, 8)


def _same_state(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_resume_from_checkpoint_matches_uninterrupted_run(tmp_path, data):
    straight = Trainer(tiny_config(), data)
    straight.run(6)

    first = Trainer(tiny_config(), data)
    first.run(3)
    save_checkpoint(tmp_path / "ck", first)
    resumed = load_trainer(tmp_path / "ck", data)
    assert resumed.step == 3
    resumed.run(6)

    for name in ("g", "g_ema", "d"):
        assert _same_state(getattr(straight, name), getattr(resumed, name)), name
    assert torch.equal(straight.rng.get_state(), resumed.rng.get_state())
    assert (
        straight.opt_g.state_dict()["state"][0]["step"]
        == resumed.opt_g.state_dict()["state"][0]["step"]
    )
    # Training changed the weights: the comparison above compared something.
    assert not _same_state(straight.g, Trainer(tiny_config(), data).g)


def test_checkpoint_from_newer_or_older_format_is_refused_clearly(tmp_path, data):
    trainer = Trainer(tiny_config(), data)
    trainer.run(1)
    save_checkpoint(tmp_path / "ck", trainer)
    config_file = tmp_path / "ck" / "config.json"
    document = json.loads(config_file.read_text())
    assert document["format_version"] == FORMAT_VERSION

    document["format_version"] = FORMAT_VERSION + 1
    config_file.write_text(json.dumps(document))
    with pytest.raises(GanError, match="newer Restorer"):
        load_trainer(tmp_path / "ck", data)
    for old in (0, 1):  # format 1 networks had other widths and zero padding
        document["format_version"] = old
        config_file.write_text(json.dumps(document))
        with pytest.raises(GanError, match="no longer reads"):
            load_generator(tmp_path / "ck")
    del document["format_version"]
    config_file.write_text(json.dumps(document))
    with pytest.raises(GanError, match="not a Restorer GAN checkpoint"):
        load_generator(tmp_path / "ck")


def test_half_written_checkpoint_is_detected(tmp_path, data):
    trainer = Trainer(tiny_config(), data)
    trainer.run(1)
    save_checkpoint(tmp_path / "ck", trainer)
    config_file = tmp_path / "ck" / "config.json"
    document = json.loads(config_file.read_text())
    document["state"]["step"] = 7
    config_file.write_text(json.dumps(document))
    with pytest.raises(GanError, match="not completely written"):
        load_generator(tmp_path / "ck")


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(folder):
    job = TrainJob(folder, "unstable", 4, tiny_config(checkpoint_every=2))
    job.run(Progress())
    good = load_generator(store.find("unstable"))[0]

    trainer = load_trainer(store.find("unstable"), load_folder(folder, 8))
    with torch.no_grad():
        trainer.g.to_rgb.weight.fill_(float("nan"))
    saved = []
    with pytest.raises(TrainingDiverged, match="last good checkpoint is kept"):
        trainer.run(8, save=saved.append)
    assert saved == []  # nothing written after the loss went bad
    kept, _, state = load_generator(store.find("unstable"))
    assert state["step"] == 4
    assert _same_state(kept, good)


def test_train_job_writes_checkpoint_history_and_stops_when_asked(folder):
    control = TrainingControl()
    statuses = []

    def on_status(status):
        statuses.append(status)
        if status.step == 12:
            control.stop()

    job = TrainJob(
        folder,
        "stopped",
        100,
        tiny_config(sample_every=5),
        control=control,
        on_status=on_status,
    )
    result = job.run(Progress())
    assert result.step == 12 and result.stopped_early
    assert [s.step for s in statuses[:12]] == list(range(1, 13))
    assert statuses[4].samples is not None and statuses[4].samples.dtype == np.uint8
    _, _, state = load_generator(store.find("stopped"))
    assert state["step"] == 12
    assert state["history"]["steps"] == [10]

    again = TrainJob(folder, "stopped", 5, tiny_config())
    with pytest.raises(GanError, match="already exists"):
        again.run(Progress())
    again.resume = True
    assert again.run(Progress()).step == 17


def test_too_few_or_unreadable_pictures_are_refused(tmp_path):
    small = tiny_folder(tmp_path / "few", count=49)
    with pytest.raises(GanError, match="at least 50"):
        load_folder(small, 8)
    (small / "broken.png").write_bytes(b"not a picture")
    with pytest.raises(GanError, match=r"Only 49 of the 50 .* \(1 skipped\)"):
        load_folder(small, 8)
    tiny_folder(small, count=51, seed=1)  # overwrites 0..48, adds 49, 50
    data = load_folder(small, 8)
    assert len(data) == 51 and len(data.skipped) == 1 and "broken.png" in data.skipped[0]


def test_generator_folders_stay_out_of_the_model_list(folder):
    from restorer.models.store import list_models

    TrainJob(folder, "hidden", 1, tiny_config()).run(Progress())
    problems: list[str] = []
    assert list_models(problems) == [] and problems == []
    assert store.list_generators() == ["hidden"]
