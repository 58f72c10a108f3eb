"""`restorer models available` / `restorer models get ID` against a local HTTP server."""

from __future__ import annotations

import io
import socket

import pytest
import torch

from restorer import models
from restorer.cli import main
from tests.support.model_server import ModelServer, catalog_entry, write_catalog


@pytest.fixture(autouse=True)
def _fresh_engines():
    from restorer.catalog import registry

    registry().refresh()
    yield
    registry().refresh()


def _tiny_denoiser_pth() -> bytes:
    from spandrel.architectures.DnCNN import DnCNN

    torch.manual_seed(4)
    buffer = io.BytesIO()
    torch.save(
        {"params_ema": DnCNN(in_nc=3, out_nc=3, nc=16, nb=4, act_mode="BR").state_dict()}, buffer
    )
    return buffer.getvalue()


def test_available_lists_without_downloading_and_get_downloads(tmp_path, monkeypatch, capsys):
    data = _tiny_denoiser_pth()
    with ModelServer({"dn.pth": data}) as server:
        entries = [
            catalog_entry("dn", "dn.pth", data, [server.url("dn.pth")], purpose="restoration"),
            catalog_entry(
                "nc", "nc.pth", data, [server.url("nc.pth")], non_commercial=True, licence="CC"
            ),
        ]
        write_catalog(tmp_path / "catalog.json", entries, monkeypatch)

        assert main(["models", "available"]) == 0
        listing = capsys.readouterr().out
        assert server.requests == []  # nothing downloads unless asked
        assert "dn" in listing and "NON-COMMERCIAL" in listing and "restorer models get" in listing

        assert main(["models", "get", "dn"]) == 0
        out = capsys.readouterr().out
        assert "Downloaded and verified dn.pth; added 'dn'" in out
        assert "restorer filter IMAGE --model dn" in out
        assert [m.id for m in models.list()] == ["dn"]

        assert main(["models", "available", "-v"]) == 0
        listing = capsys.readouterr().out
        assert "installed as 'dn'" in listing and server.url("dn.pth") in listing


def test_get_offline_is_one_line_and_status_2(tmp_path, monkeypatch, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = b"\x80\x04N."
    write_catalog(
        tmp_path / "c.json",
        [catalog_entry("away", "away.pth", data, [f"http://127.0.0.1:{port}/away.pth"])],
        monkeypatch,
    )
    assert main(["models", "get", "away"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("restorer: error: Cannot reach 127.0.0.1") and "offline" in err
    assert err.count("\n") == 1
    assert main(["models", "get", "nope"]) == 2
    assert "has no 'nope'" in capsys.readouterr().err
