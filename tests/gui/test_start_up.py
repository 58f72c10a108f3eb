"""Start-up objects are kept out of the garbage collector's full collections (each one
walks every object the process holds: ~110 ms with Qt, NumPy and PyTorch loaded, during
which the window cannot paint)."""

from __future__ import annotations

import gc

import pytest

from restorer.workflows.jobs import DeviceInfo
from ui.app import build_window, freeze_start_up


@pytest.fixture
def thawed():
    yield
    gc.unfreeze()  # give the test's objects back to the collector


def test_start_up_objects_are_frozen_now_and_once_the_device_is_known(qtbot, thawed):
    window = build_window(inline_jobs=True)
    qtbot.addWidget(window)
    window.engine_choice.device_info = None  # as while the device check still runs
    gc.unfreeze()
    freeze_start_up(window)
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # the window, its features, the libraries

    made_later = [[index] for index in range(5_000)]  # what importing PyTorch brings
    window.engine_choice.set_device_info(DeviceInfo(False))
    assert gc.get_freeze_count() >= frozen + len(made_later)

    window.engine_choice.set_device_info(DeviceInfo(False))  # only the first time
    again = gc.get_freeze_count()
    more = [[index] for index in range(100)]
    window.engine_choice.set_device_info(DeviceInfo(False))
    assert gc.get_freeze_count() == again and more
