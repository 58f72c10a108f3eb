"""Local worker processes: a killed worker's files are redone, none lost or written twice."""

from __future__ import annotations

import os
import signal

import numpy as np

from restorer.batch import DONE, BatchOptions, plan, run_local
from restorer.imageio import save_image, save_mask


def test_killed_worker_process_files_are_redone(tmp_path):
    (tmp_path / "in").mkdir()
    y, x = np.mgrid[0:64, 0:96]
    for index in range(8):
        rgb = (np.dstack([x * 2 + index, y * 3, (x * y) // 8]) % 256).astype(np.uint8)
        save_image(tmp_path / "in" / f"p{index}.png", rgb)
    mask = np.zeros((64, 96), bool)
    mask[20:40, 30:60] = True
    save_mask(tmp_path / "mask.png", mask)
    options = BatchOptions(engine="telea", mask=tmp_path / "mask.png")
    reference = run_local(plan([str(tmp_path / "in")], tmp_path / "one"), options, jobs=1)
    assert [r.status for r in reference] == [DONE] * 8

    items = plan([str(tmp_path / "in")], tmp_path / "two")
    reported: dict[str, int] = {}
    killed: list[int] = []

    def kill_first_worker(result):
        assert result.output not in reported  # each file reported once
        reported[result.output] = os.stat(result.output).st_mtime_ns
        if not killed:
            killed.append(int(result.worker.split("@")[0]))
            os.kill(killed[0], signal.SIGKILL)

    results = run_local(items, options, jobs=2, on_result=kill_first_worker)
    assert [r.status for r in results] == [DONE] * 8
    try:  # the worker was really killed during the run (reaped by the pool)
        os.kill(killed[0], 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive
    for item in items:
        assert item.output.read_bytes() == (tmp_path / "one" / item.output.name).read_bytes()
        assert os.stat(item.output).st_mtime_ns == reported[str(item.output)]
    assert not list((tmp_path / "two").glob(".*.tmp"))
