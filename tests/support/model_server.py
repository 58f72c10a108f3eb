"""A local HTTP server (127.0.0.1, a thread) serving model files for download tests,
and a catalog file pointing at it. It honours Range requests and can be told to fail:
answer an error status, cut the connection after some bytes, or ignore ranges."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class ModelServer:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.fail_status: int | None = None
        self.cut_after: int | None = None  # bytes of the body sent before the cut
        self.ignore_range = False
        self.chunk_delay = 0.0  # seconds between 64 KB pieces of the body (a slow line)
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append((self.path, self.headers.get("Range")))
                name = self.path.rsplit("/", 1)[-1]
                if server.fail_status is not None:
                    self.send_error(server.fail_status)
                    return
                if name not in server.files:
                    self.send_error(404)
                    return
                data = server.files[name]
                start = 0
                wanted = self.headers.get("Range")
                if wanted and not server.ignore_range:
                    start = int(wanted.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", '"' + hashlib.md5(data).hexdigest() + '"')
                self.end_headers()
                if server.cut_after is not None:
                    self.wfile.write(body[: server.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if server.chunk_delay:
                    import time

                    for offset in range(0, len(body), 65536):
                        self.wfile.write(body[offset : offset + 65536])
                        self.wfile.flush()
                        time.sleep(server.chunk_delay)
                    return
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, name: str) -> str:
        return f"{self.base}/files/{name}"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def catalog_entry(model_id: str, file_name: str, data: bytes, urls: list[str], **extra) -> dict:
    return {
        "id": model_id,
        "name": extra.pop("name", model_id.title()),
        "purpose": extra.pop("purpose", "super-resolution"),
        "architecture": "Compact",
        "description": "A test model.",
        "file_name": file_name,
        "file_format": "pickle",
        "size_mb": len(data) / 1e6,
        "licence": extra.pop("licence", "MIT"),
        "non_commercial": extra.pop("non_commercial", False),
        "homepage": "http://127.0.0.1/",
        "urls": urls,
        "md5": extra.pop("md5", hashlib.md5(data).hexdigest()),
        **extra,
    }


def write_catalog(path: Path, entries: list[dict], monkeypatch) -> Path:
    """A catalog file with `entries`, made the one Restorer reads (RESTORER_MODEL_CATALOG)."""
    path.write_text(json.dumps({"format_version": 1, "models": entries}), encoding="utf-8")
    monkeypatch.setenv("RESTORER_MODEL_CATALOG", str(path))
    monkeypatch.delenv("RESTORER_MODEL_MIRROR", raising=False)
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    return path
