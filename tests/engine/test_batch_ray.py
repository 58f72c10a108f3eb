"""`restorer batch --ray` on a local Ray: the same outputs as one local worker, and a
killed worker's files redone, none lost, none written twice."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from restorer.batch import DONE, BatchOptions, plan, run_local
from restorer.imageio import save_image, save_mask

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def photos(tmp_path):
    (tmp_path / "in").mkdir()
    y, x = np.mgrid[0:64, 0:96]
    for index in range(8):
        rgb = (np.dstack([x * 2 + index, y * 3, (x * y) // 8]) % 256).astype(np.uint8)
        save_image(tmp_path / "in" / f"p{index}.png", rgb)
    mask = np.zeros((64, 96), bool)
    mask[20:40, 30:60] = True
    save_mask(tmp_path / "mask.png", mask)
    return tmp_path


def test_ray_outputs_match_one_local_worker_and_survive_a_killed_worker(photos, local_ray):
    from restorer.batch.ray_runner import run_ray

    options = BatchOptions(engine="patchmatch", mask=photos / "mask.png", device="cpu")
    local = run_local(plan([str(photos / "in")], photos / "local"), options, jobs=1)
    assert [r.status for r in local] == [DONE] * 8

    items = plan([str(photos / "in")], photos / "ray")
    reported: dict[str, int] = {}  # output -> its mtime when it was reported done
    pools: list[list[int]] = []
    killed: list[int] = []

    def kill_first_worker(result):
        reported[result.output] = os.stat(result.output).st_mtime_ns
        if not killed:
            pid = int(result.worker.split("@")[0])
            os.kill(pid, signal.SIGKILL)  # the actor dies with files in flight
            killed.append(pid)

    results = run_ray(items, options, jobs=2, on_result=kill_first_worker, on_actors=pools.append)
    assert killed and killed[0] not in pools[-1]  # a fresh actor replaced the killed one
    assert len(pools) >= 2
    assert sorted(r.source for r in results) == sorted(str(i.source) for i in items)
    assert [r.status for r in results] == [DONE] * 8
    assert len(reported) == 8  # every file reported once
    for item in items:
        twin = photos / "local" / item.output.name
        assert item.output.read_bytes() == twin.read_bytes()  # bit-identical to --jobs 1
        assert os.stat(item.output).st_mtime_ns == reported[str(item.output)]  # not rewritten
    assert not list((photos / "ray").glob(".*.tmp"))
