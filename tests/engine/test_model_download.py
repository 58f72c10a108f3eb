"""The model library: the shipped catalog, and downloads from a local HTTP server —
success, resume (byte-identical to a clean download), checksum mismatch, server error,
offline, cancel, mirrors."""

from __future__ import annotations

import hashlib
import io
import json
import random
import socket

import numpy as np
import pytest
import torch

from restorer import catalog, models
from restorer.models import download, library
from restorer.models.download import DownloadError, fetch, get_model, partial_bytes
from restorer.progress import Cancelled, Progress
from tests.support.model_server import ModelServer, catalog_entry, write_catalog


@pytest.fixture(autouse=True)
def _fresh_engines():
    from restorer.catalog import registry

    registry().refresh()
    yield
    registry().refresh()


def _tiny_sr_pth() -> bytes:
    """A RealESRGAN-Compact checkpoint in the layout of realesr-general-x4v3.pth."""
    from spandrel.architectures.Compact import Compact

    torch.manual_seed(5)
    module = Compact(num_in_ch=3, num_out_ch=3, num_feat=8, num_conv=2, upscale=4)
    buffer = io.BytesIO()
    torch.save({"params": module.state_dict()}, buffer)
    return buffer.getvalue()


BLOB = random.Random(7).randbytes(1_000_003)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _model_files() -> list:
    return [p for p in models.models_dir().iterdir() if p.name != download.DOWNLOAD_AREA]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(download, "CHUNK", 16 * 1024)


def test_shipped_catalog_lists_the_well_known_models():
    shipped = {item.id: item for item in library.load_catalog()}
    for wanted in (
        "big-lama",
        "anime-manga-big-lama",
        "mi-gan",
        "realesrgan-x4plus",
        "realesr-general-x4v3",
        "realesrgan-x4plus-anime-6b",
        "scunet-color-real-psnr",
        "gfpgan-v1.4",
        "restoreformer",
    ):
        assert wanted in shipped
        item = shipped[wanted]
        assert item.urls and all(url.startswith("https://") for url in item.urls)
        assert item.licence and item.size_mb > 0 and item.description
    assert shipped["big-lama"].md5 == "e3aa4aaa15225a33ec84f9f4bc47e500"
    assert shipped["big-lama"].urls[0].endswith("/add_big_lama/big-lama.pt")
    assert not shipped["mi-gan"].runs and "spandrel" in shipped["mi-gan"].note
    assert shipped["mat-places512"].non_commercial
    assert shipped["mat-places512"].licence_label.startswith("NON-COMMERCIAL")
    assert "detect" in shipped["gfpgan-v1.4"].note  # why it runs without detector weights
    with pytest.raises(DownloadError, match="not offered"):
        fetch(shipped["mi-gan"])


def test_get_model_downloads_verifies_and_adds(tmp_path, monkeypatch):
    data = _tiny_sr_pth()
    with ModelServer({"tiny-x4.pth": data}) as server:
        entry = catalog_entry("tiny-x4", "tiny-x4.pth", data, [server.url("tiny-x4.pth")])
        write_catalog(tmp_path / "catalog.json", [entry], monkeypatch)
        seen: list[tuple[float, str]] = []
        info = get_model("tiny-x4", Progress(lambda f, m, p: seen.append((f, m))))

    assert info.library_id == "tiny-x4" and info.id == "tiny-x4"
    assert info.architecture == "Compact" and info.scale == 4
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.model_path.suffix == ".safetensors"
    assert library.installed_ids() == {"tiny-x4": "tiny-x4"}
    assert library.load_state().sha256 == {"tiny-x4": hashlib.sha256(data).hexdigest()}
    assert not any(download.download_area().iterdir())  # nothing left behind
    assert any("Downloading tiny-x4.pth" in m and "MB" in m for _f, m in seen)
    assert seen[-1][0] == 1.0
    with pytest.raises(DownloadError, match="already in the models folder"):
        get_model("tiny-x4")

    from restorer.filters import apply_filter

    image = np.random.default_rng(0).integers(0, 256, (12, 10, 3), dtype=np.uint8)
    assert apply_filter(image, "tiny-x4", device="cpu").shape == (48, 40, 3)


def test_resumed_download_is_byte_identical_to_a_clean_one(tmp_path, monkeypatch, small_chunks):
    with ModelServer({"blob.bin.pth": BLOB}) as server:
        entry = catalog_entry("blob", "blob.bin.pth", BLOB, [server.url("blob.bin.pth")])
        write_catalog(tmp_path / "catalog.json", [entry], monkeypatch)
        item = library.entry("blob")

        clean = fetch(item).path.read_bytes()
        download.download_area().joinpath("blob.bin.pth").unlink()

        server.cut_after = 300_000
        with pytest.raises(DownloadError, match="run it again to resume"):
            fetch(item)
        kept = partial_bytes(item)
        assert 0 < kept <= 300_000

        server.cut_after = None
        result = fetch(item)

    assert result.resumed_from == kept
    assert server.requests[-1][1] == f"bytes={kept}-"
    assert result.path.read_bytes() == clean == BLOB
    assert result.md5 == hashlib.md5(BLOB).hexdigest()
    assert partial_bytes(item) == 0


def test_a_server_ignoring_ranges_restarts_cleanly(tmp_path, monkeypatch, small_chunks):
    with ModelServer({"blob.pth": BLOB}) as server:
        write_catalog(
            tmp_path / "c.json",
            [catalog_entry("blob", "blob.pth", BLOB, [server.url("blob.pth")])],
            monkeypatch,
        )
        item = library.entry("blob")
        server.cut_after = 200_000
        with pytest.raises(DownloadError):
            fetch(item)
        server.cut_after, server.ignore_range = None, True
        result = fetch(item)
    assert result.resumed_from == 0 and result.path.read_bytes() == BLOB


def test_checksum_mismatch_never_enters_the_models_folder(tmp_path, monkeypatch):
    data = _tiny_sr_pth()
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0xFF
    with ModelServer({"tiny.pth": bytes(damaged)}) as server:
        entry = catalog_entry("tiny", "tiny.pth", data, [server.url("tiny.pth")])
        write_catalog(tmp_path / "catalog.json", [entry], monkeypatch)
        with pytest.raises(DownloadError, match="failed verification.*nothing was added"):
            get_model("tiny")
    assert models.list() == [] and _model_files() == []
    assert not any(download.download_area().iterdir())
    assert library.load_state().sha256 == {}


def test_catalog_get_model_avoids_engine_ids(tmp_path, monkeypatch):
    data = _tiny_sr_pth()
    with ModelServer({"telea.pth": data}) as server:
        entry = catalog_entry("telea", "telea.pth", data, [server.url("telea.pth")])
        write_catalog(tmp_path / "catalog.json", [entry], monkeypatch)
        info = catalog.get_model("telea")
    assert info.id == "telea-2" and info.library_id == "telea"  # 'telea' is an engine
    assert catalog.registry().get("telea").label != info.label
    assert library.installed_ids() == {"telea": "telea-2"}


def test_a_file_without_published_checksum_must_match_the_first_download(tmp_path, monkeypatch):
    data = _tiny_sr_pth()
    with ModelServer({"tiny.pth": data}) as server:
        entry = catalog_entry("tiny", "tiny.pth", data, [server.url("tiny.pth")], md5="")
        write_catalog(tmp_path / "catalog.json", [entry], monkeypatch)
        get_model("tiny")
        catalog.remove_model("tiny")
        server.files["tiny.pth"] = data[:-30] + bytes([data[-30] ^ 1]) + data[-29:]
        with pytest.raises(DownloadError, match="earlier verified download"):
            get_model("tiny")
    assert models.list() == []


def test_server_error_and_offline_give_one_clear_line(tmp_path, monkeypatch):
    with ModelServer({"tiny.pth": BLOB}) as server:
        entry = catalog_entry("tiny", "tiny.pth", BLOB, [server.url("tiny.pth")])
        offline = catalog_entry(
            "away", "away.pth", BLOB, [f"http://127.0.0.1:{_closed_port()}/away.pth"]
        )
        write_catalog(tmp_path / "catalog.json", [entry, offline], monkeypatch)
        server.fail_status = 503
        with pytest.raises(DownloadError) as failed:
            get_model("tiny")
        assert "HTTP 503" in str(failed.value) and "try again later" in str(failed.value)
        server.fail_status = None
        server.files.clear()
        with pytest.raises(DownloadError, match="not found"):
            get_model("tiny")
    with pytest.raises(DownloadError) as away:
        get_model("away")
    message = str(away.value)
    assert "offline" in message and "restorer models add FILE" in message
    assert "\n" not in message
    assert models.list() == [] and _model_files() == []


def test_cancel_keeps_the_partial_file_for_a_later_resume(tmp_path, monkeypatch, small_chunks):
    with ModelServer({"blob.pth": BLOB}) as server:
        write_catalog(
            tmp_path / "c.json",
            [catalog_entry("blob", "blob.pth", BLOB, [server.url("blob.pth")])],
            monkeypatch,
        )
        item = library.entry("blob")
        progress = Progress(lambda f, m, p: f > 0.2 and progress.cancel())
        with pytest.raises(Cancelled):
            fetch(item, progress)
        kept = partial_bytes(item)
        assert 0 < kept < len(BLOB)
        assert models.list() == [] and _model_files() == []
        result = fetch(item)
    assert result.resumed_from == kept and result.path.read_bytes() == BLOB


@pytest.mark.parametrize("where", ["environment", "settings"])
def test_a_mirror_replaces_the_catalog_urls(tmp_path, monkeypatch, where):
    with ModelServer({"blob.pth": BLOB}) as server:
        unreachable = f"http://127.0.0.1:{_closed_port()}/blob.pth"
        write_catalog(
            tmp_path / "c.json",
            [catalog_entry("blob", "blob.pth", BLOB, [unreachable])],
            monkeypatch,
        )
        if where == "environment":
            monkeypatch.setenv(library.MIRROR_ENV, server.base + "/files/")
        else:
            from restorer.paths import config_dir

            (config_dir() / "restorer.ini").write_text(
                f"[General]\nx=1\n\n[models]\nmirror={server.base}/files\n", encoding="utf-8"
            )
        item = library.entry("blob")
        assert item.download_urls() == [server.url("blob.pth")]
        assert fetch(item).path.read_bytes() == BLOB
    assert server.requests[0][0] == "/files/blob.pth"


def test_library_state_is_kept_beside_the_models_folder(tmp_path, monkeypatch):
    library.record_sha256("x", "ab" * 32)
    state = json.loads((models.models_dir().parent / library.STATE_FILE).read_text())
    assert state == {"sha256": {"x": "ab" * 32}}


def test_a_verified_download_that_cannot_be_added_is_kept_for_the_next_try(tmp_path, monkeypatch):
    with ModelServer({"notes.pth": BLOB}) as server:
        write_catalog(
            tmp_path / "c.json",
            [catalog_entry("notes", "notes.pth", BLOB, [server.url("notes.pth")])],
            monkeypatch,
        )
        with pytest.raises(DownloadError, match="not a model file.*verified download is kept"):
            get_model("notes")
        asked = len(server.requests)
        with pytest.raises(DownloadError, match="verified download is kept"):
            get_model("notes")
        assert len(server.requests) == asked  # used again, not downloaded again
    assert models.list() == [] and _model_files() == []
    assert (download.download_area() / "notes.pth").read_bytes() == BLOB
