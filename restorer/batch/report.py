"""The batch report: counts and one line per file, as JSON a script can read."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from restorer.batch.worker import DONE, FAILED, SKIPPED, ItemResult


def counts(results: list[ItemResult]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in (DONE, SKIPPED, FAILED)}


def build_report(results: list[ItemResult], *, runner: str, seconds: float, **settings) -> dict:
    done = counts(results)
    worked = done[DONE] + done[FAILED]
    return {
        "runner": runner,
        **settings,
        "seconds": round(seconds, 2),
        "photos_per_minute": round(60.0 * worked / seconds, 2) if seconds > 0 else None,
        "counts": done,
        "files": [result.as_dict() for result in results],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_report(path: Path, report: dict) -> None:
    """Write the report atomically, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(report, stream, indent=2)
        stream.write("\n")
    os.replace(temp, path)
