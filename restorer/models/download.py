"""Downloading a model of the library, only when the person asks, verified before use.

    >>> from restorer.models.download import get_model
    >>> info = get_model("big-lama", progress)   # fetch, verify, add; returns its ModelInfo

The file streams into a partial file in the models folder's download area
(`<models>/.downloads/<file>.part`). An interrupted or cancelled download is resumed
with an HTTP Range request the next time. When the whole file is there its checksum is
verified (the publisher's MD5, and the SHA-256 recorded on an earlier download); a file
that does not match is deleted and never enters the models folder. A verified file goes
through the ordinary `store.add` (safe reading, detection, conversion to safetensors).

Every failure is one line a person can act on: offline, server error, not found,
checksum mismatch. No Qt, no third-party HTTP library: `urllib` from the standard
library, which honours the usual proxy variables.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from urllib.parse import urlsplit

from restorer import __version__
from restorer.errors import ModelError, UnsafeModelError
from restorer.models.info import ModelInfo
from restorer.models.library import CatalogEntry, entry, installed_ids, load_state, record_sha256
from restorer.paths import models_dir
from restorer.progress import Progress

CHUNK = 256 * 1024
TIMEOUT_S = 30.0
DOWNLOAD_AREA = ".downloads"


class DownloadError(ModelError):
    """A download failed (offline, server error, interrupted, wrong checksum)."""


@dataclass
class FetchResult:
    """A complete, verified file in the download area."""

    path: Path
    url: str
    sha256: str
    md5: str
    resumed_from: int  # bytes that were already there from an earlier attempt


def download_area(create: bool = False) -> Path:
    """Where partial and not-yet-added downloads live (inside the models folder)."""
    path = models_dir() / DOWNLOAD_AREA
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def partial_path(item: CatalogEntry) -> Path:
    return download_area() / f"{item.file_name}.part"


def partial_bytes(item: CatalogEntry) -> int:
    """How much of `item` an earlier, unfinished download left (0 for none)."""
    path = partial_path(item)
    return path.stat().st_size if path.is_file() else 0


def _meta_path(item: CatalogEntry) -> Path:
    return download_area() / f"{item.file_name}.part.json"


def _read_meta(item: CatalogEntry) -> dict:
    try:
        data = json.loads(_meta_path(item).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_meta(item: CatalogEntry, meta: dict) -> None:
    _meta_path(item).write_text(json.dumps(meta), encoding="utf-8")


def discard_partial(item: CatalogEntry) -> None:
    """Forget an unfinished download of `item`."""
    for path in (partial_path(item), _meta_path(item)):
        with contextlib.suppress(OSError):
            path.unlink()


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _describe_failure(exc: BaseException, url: str, item: CatalogEntry) -> str:
    host = _host(url)
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code == 404:
            return (
                f"{item.file_name} was not found on {host} (HTTP 404); the catalog or the "
                f"mirror may be out of date."
            )
        if exc.code >= 500:
            return (
                f"The server {host} failed (HTTP {exc.code} {exc.reason}) while sending "
                f"{item.file_name}; try again later."
            )
        return f"{host} refused {item.file_name} (HTTP {exc.code} {exc.reason})."
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"{host} stopped answering (timed out); check the connection and try again."
    if isinstance(exc, urllib.error.URLError):
        return (
            f"Cannot reach {host} ({reason}): Restorer seems to be offline. Connect and try "
            f"again, or download {item.file_name} elsewhere and add it with "
            f"'restorer models add FILE'."
        )
    return (
        f"The download of {item.file_name} from {host} was interrupted ({reason}); "
        f"run it again to resume."
    )


def _open(url: str, start: int, meta: dict) -> tuple[object, int, int | None]:
    """Open `url` from byte `start`; (response, where it starts, total size or None)."""
    request = urllib.request.Request(url, headers={"User-Agent": f"Restorer/{__version__}"})
    if start:
        request.add_header("Range", f"bytes={start}-")
        validator = meta.get("etag") or meta.get("last_modified")
        if validator:
            request.add_header("If-Range", validator)
    response = urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310 - http(s) only
    status = getattr(response, "status", 200)
    length = response.headers.get("Content-Length")
    if status == 206:
        content_range = response.headers.get("Content-Range", "")
        try:
            first = int(content_range.split()[1].split("-")[0])
            total_text = content_range.split("/")[1]
            total = int(total_text) if total_text != "*" else None
        except (IndexError, ValueError):
            response.close()
            raise DownloadError(f"{_host(url)} sent a malformed Content-Range.") from None
        if first != start:
            response.close()
            raise DownloadError(f"{_host(url)} resumed at the wrong place; try again.")
        return response, start, total
    return response, 0, int(length) if length and length.isdigit() else None


class _Meter:
    """Speed (smoothed over the last few seconds) and time left for the progress line."""

    def __init__(self, done: int) -> None:
        self.started = time.monotonic()
        self.samples: list[tuple[float, int]] = [(self.started, done)]

    def speed(self, done: int) -> float:
        now = time.monotonic()
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > 3.0:
            self.samples.pop(0)
        then, before = self.samples[0]
        return (done - before) / (now - then) if now > then else 0.0


def _line(item: CatalogEntry, done: int, total: int | None, speed: float) -> str:
    mb = 1e6
    text = f"Downloading {item.file_name}: {done / mb:.1f}"
    text += f" of {total / mb:.1f} MB" if total else " MB"
    if speed > 0:
        text += f", {speed / mb:.1f} MB/s"
        if total:
            left = max(0.0, (total - done) / speed)
            minutes, seconds = divmod(int(left + 0.5), 60)
            text += f", {minutes}:{seconds:02d} left"
    return text


def _stream(item: CatalogEntry, url: str, progress: Progress) -> int:
    """Download `url` into the partial file, resuming it; returns the bytes resumed from."""
    download_area(create=True)
    partial = partial_path(item)
    meta = _read_meta(item)
    start = partial_bytes(item) if meta.get("url") == url else 0
    if start == 0:
        discard_partial(item)
    try:
        response, begin, total = _open(url, start, meta)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:  # nothing after `start`: the partial is complete?
            if meta.get("total") == start:
                return start
            discard_partial(item)
            return _stream(item, url, progress)
        raise DownloadError(_describe_failure(exc, url, item)) from exc
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        raise DownloadError(_describe_failure(exc, url, item)) from exc
    with response:
        headers = response.headers
        total_size = total  # the whole file's size (from Content-Range when resuming)
        _write_meta(
            item,
            {
                "url": url,
                "etag": headers.get("ETag"),
                "last_modified": headers.get("Last-Modified"),
                "total": total_size,
            },
        )
        done = begin
        meter = _Meter(done)
        progress.update(done / total_size if total_size else 0.0, _line(item, done, total_size, 0))
        try:
            with partial.open("ab" if begin else "wb") as out:
                while True:
                    progress.check()
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    fraction = done / total_size if total_size else 0.0
                    progress.update(fraction, _line(item, done, total_size, meter.speed(done)))
        except (OSError, HTTPException) as exc:
            raise DownloadError(_describe_failure(exc, url, item)) from exc
    if total_size is not None and done != total_size:
        raise DownloadError(
            f"The download of {item.file_name} from {_host(url)} stopped at {done:,} of "
            f"{total_size:,} bytes; run it again to resume."
        )
    return start if begin else 0


def _mismatch(item: CatalogEntry, md5: str, sha: str) -> str | None:
    """Why a file with these digests is not `item` (None when it is)."""
    recorded = load_state().sha256.get(item.id)
    if item.md5 and md5 != item.md5.lower():
        return f"its MD5 is {md5}, the publisher's is {item.md5}"
    if recorded and sha != recorded:
        return f"its SHA-256 is {sha}, an earlier verified download's was {recorded}"
    return None


def _digests(path: Path, progress: Progress, name: str) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    size = max(1, path.stat().st_size)
    done = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            sha.update(chunk)
            done += len(chunk)
            progress.update(done / size, f"Verifying {name}")
    return md5.hexdigest(), sha.hexdigest()


def fetch(item: CatalogEntry, progress: Progress | None = None) -> FetchResult:
    """Download `item` (resuming a partial download) and verify it; nothing is added.

    Tries each URL in turn (a mirror replaces them all). Raises `DownloadError` when no
    URL delivers a file whose checksum matches; a mismatching file is deleted.
    """
    progress = progress or Progress()
    if not item.runs:
        raise DownloadError(f"{item.name} is listed but not offered: {item.note}")
    kept = download_area() / item.file_name
    if kept.is_file():  # verified before, but adding it failed (e.g. a missing package)
        md5, sha = _digests(kept, progress, kept.name)
        if _mismatch(item, md5, sha) is None:
            progress.update(1.0, f"Using the verified {item.file_name} downloaded before")
            return FetchResult(
                path=kept, url="", sha256=sha, md5=md5, resumed_from=kept.stat().st_size
            )
        kept.unlink()
    urls = item.download_urls()
    if not urls:
        raise DownloadError(f"The catalog gives no URL for {item.name}.")
    failures: list[str] = []
    for url in urls:
        try:
            resumed = _stream(item, url, progress.span(0.0, 0.9))
            break
        except DownloadError as exc:
            failures.append(str(exc))
    else:
        raise DownloadError(failures[-1] if len(failures) == 1 else " / ".join(failures))
    partial = partial_path(item)
    md5, sha = _digests(partial, progress.span(0.9, 1.0), item.file_name)
    problem = _mismatch(item, md5, sha)
    if problem:
        discard_partial(item)
        raise DownloadError(
            f"{item.file_name} from {_host(url)} failed verification ({problem}): the "
            "download was damaged or the file changed on the server. It was deleted and "
            "nothing was added; try again."
        )
    complete = download_area() / item.file_name
    os.replace(partial, complete)
    with contextlib.suppress(OSError):
        _meta_path(item).unlink()
    record_sha256(item.id, sha)  # the first verified download's SHA-256 binds later ones
    return FetchResult(path=complete, url=url, sha256=sha, md5=md5, resumed_from=resumed)


def get_model(
    model_id: str, progress: Progress | None = None, *, taken_ids: Iterable[str] = ()
) -> ModelInfo:
    """Download library model `model_id`, verify it and add it to the models folder under
    an id none of `taken_ids` uses (`restorer.catalog.get_model` passes the engines' ids
    and refreshes the engine list)."""
    progress = progress or Progress()
    item = entry(model_id)
    installed = installed_ids()
    if item.id in installed:
        raise DownloadError(
            f"{item.name} is already in the models folder as '{installed[item.id]}'."
        )
    result = fetch(item, progress.span(0.0, 0.85))
    from restorer.models.store import add

    try:
        info = add(
            result.path,
            model_id=item.id,
            progress=progress.span(0.85, 1.0),
            library_id=item.id,
            taken_ids=taken_ids,
        )
    except ModelError as exc:
        if isinstance(exc, UnsafeModelError):
            result.path.unlink(missing_ok=True)
            raise
        raise DownloadError(
            f"{exc} The verified download is kept; 'restorer models get {item.id}' uses it "
            "again without downloading."
        ) from exc
    result.path.unlink(missing_ok=True)
    return info
