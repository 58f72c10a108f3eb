"""Models → Get Models…: download from a local HTTP server with progress, speed and
time left, cancel (the partial file is kept), resume, and the model is installed."""

from __future__ import annotations

import io

import pytest
import torch

from restorer.catalog import registry
from restorer.models import download, library
from restorer.models.runtime import model_cache
from tests.support.model_server import ModelServer, catalog_entry, write_catalog
from ui.core.jobs import JobKind
from ui.shell import MenuId


@pytest.fixture(autouse=True)
def _fresh_models():
    registry().refresh()
    yield
    model_cache().clear()
    registry().refresh()


def _upscaler_pth() -> bytes:
    """A 2.4 MB RealESRGAN-Compact x2 checkpoint ('params'), random weights."""
    from spandrel.architectures.Compact import Compact

    torch.manual_seed(6)
    module = Compact(num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=2)
    buffer = io.BytesIO()
    torch.save({"params": module.state_dict()}, buffer)
    return buffer.getvalue()


def _get_models_action(window):
    for action in window.menu(MenuId.MODELS).actions():
        if action.text().replace("&", "") == "Get Models…":
            return action
    raise AssertionError("no Get Models… in the Models menu")


def test_download_cancel_resume_and_install(qtbot, window, monkeypatch, tmp_path):
    monkeypatch.setattr(download, "CHUNK", 32 * 1024)
    data = _upscaler_pth()
    with ModelServer({"up-x2.pth": data}) as server:
        entry = catalog_entry(
            "up-x2", "up-x2.pth", data, [server.url("up-x2.pth")], name="Upscaler x2"
        )
        flagged = catalog_entry(
            "nc", "nc.pth", data, [server.url("nc.pth")], non_commercial=True, licence="CC BY-NC"
        )
        write_catalog(tmp_path / "catalog.json", [entry, flagged], monkeypatch)

        _get_models_action(window).trigger()
        dialog = window.features["models"].library
        assert dialog.isVisible() and server.requests == []  # nothing downloads unless asked
        assert dialog.table.rowCount() == 2
        assert dialog.table.item(1, 3).text().startswith("NON-COMMERCIAL")
        dialog.select("up-x2")
        assert dialog.table.item(0, 4).text() == "Not installed"
        assert "Licence: MIT" in dialog.details.text()

        server.chunk_delay = 0.2  # about 8 s for the whole file: time to cancel
        lines: list[str] = []
        window.jobs.event.connect(
            lambda event: lines.append(event.message) if event.kind is JobKind.PROGRESS else None
        )
        dialog.download_button.click()
        assert dialog.job_id is not None and dialog.cancel_button.isEnabled()
        assert not dialog.download_button.isEnabled()  # one download at a time
        qtbot.waitUntil(lambda: "left" in dialog.status.text(), timeout=30000)
        assert "MB/s" in dialog.status.text() and 0 < dialog.bar.value() < 1000
        dialog.cancel_button.click()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)

        item = library.entry("up-x2")
        kept = download.partial_bytes(item)
        assert 0 < kept < len(data)
        assert "Download cancelled" in dialog.status.text()
        assert dialog.table.item(0, 4).text().startswith("Paused")
        assert dialog.download_button.text().replace("&", "") == "Resume Download"
        assert window.features["models"].installed() == []

        server.chunk_delay = 0.0
        dialog.download_button.click()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=60000)

    assert server.requests[-1][1] == f"bytes={kept}-"  # resumed, not restarted
    assert "downloaded, verified and added as 'up-x2'" in dialog.status.text()
    assert dialog.table.item(0, 4).text() == "Installed"
    assert not dialog.download_button.isEnabled()
    assert [info.id for info in window.features["models"].installed()] == ["up-x2"]
    filters_menu = window.features["models"].filters_menu
    filters_menu.rebuild()
    assert "up-x2" in [action.data() for action in filters_menu.model_actions()]
    assert any("Downloading up-x2.pth" in line for line in lines)

    window.features["models"].remove("up-x2")  # removed elsewhere: the library follows
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)
    assert dialog.table.item(0, 4).text() == "Not installed"
    assert dialog.download_button.isEnabled()


def test_a_failed_download_says_why_and_installs_nothing(qtbot, window, monkeypatch, tmp_path):
    data = _upscaler_pth()
    with ModelServer({"up-x2.pth": data}) as server:
        write_catalog(
            tmp_path / "catalog.json",
            [catalog_entry("up-x2", "up-x2.pth", data, [server.url("up-x2.pth")])],
            monkeypatch,
        )
        server.fail_status = 503
        _get_models_action(window).trigger()
        dialog = window.features["models"].library
        dialog.select("up-x2")
        dialog.download_button.click()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=30000)
    assert dialog.status.text().startswith("Download failed: The server 127.0.0.1")
    assert "HTTP 503" in dialog.status.text()
    assert window.features["models"].installed() == []
    assert dialog.download_button.isEnabled()
