"""Folders and archives: the same repair over many photos, on this machine or on Ray.

No Qt here: the `restorer batch` command and the window's folder work both use it.

    items = plan(["scans/"], Path("out"), recursive=True, masks=Path("masks"))
    results = run_local(items, BatchOptions(engine="telea"), jobs=2)
"""

from restorer.batch.local import run_local
from restorer.batch.plan import BatchError, BatchItem, BatchOptions, find_inputs, plan
from restorer.batch.report import build_report, counts, write_report
from restorer.batch.worker import DONE, FAILED, SKIPPED, BatchWorker, ItemResult, check_options

__all__ = [
    "DONE",
    "FAILED",
    "SKIPPED",
    "BatchError",
    "BatchItem",
    "BatchOptions",
    "BatchWorker",
    "ItemResult",
    "build_report",
    "check_options",
    "counts",
    "find_inputs",
    "plan",
    "run_local",
    "write_report",
]
