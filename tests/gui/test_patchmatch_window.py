"""The window offers the default engine, Auto, first and PatchMatch next (moved from the engine tests,
which run without Qt)."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(sync_window):
    """These tests need no job thread: their jobs run on the GUI thread."""
    return sync_window


def test_the_window_offers_auto_first_then_patchmatch(window):
    assert window.engine_combo.currentData() == "auto"
    assert window.engine_choice.engine().id == "auto"
    assert window.engine_combo.itemData(1) == "patchmatch"
