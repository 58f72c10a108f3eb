"""Running a batch on this machine: in this process (`jobs=1`) or in worker processes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator

from restorer.batch.plan import BatchItem, BatchOptions
from restorer.batch.worker import BatchWorker, ItemResult

_worker: BatchWorker | None = None


def _start_worker(options: BatchOptions) -> None:
    global _worker
    _worker = BatchWorker(options)


def _run_item(job: tuple[BatchItem, int]) -> ItemResult:
    assert _worker is not None
    return _worker.run(*job)


def threads_per_worker(jobs: int) -> int:
    """Split the machine's cores between `jobs` workers (at least one each)."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def run_local(
    items: list[BatchItem],
    options: BatchOptions,
    jobs: int = 1,
    on_result: Callable[[ItemResult], None] | None = None,
) -> list[ItemResult]:
    """Repair every item with `jobs` workers, each loading the engine once.

    Results arrive as files finish (`on_result`), and are returned in the items' order.
    """
    results: dict[str, ItemResult] = {}
    for result in _results(items, options, jobs):
        results[result.source] = result
        if on_result is not None:
            on_result(result)
    return [results[str(item.source)] for item in items]


def _results(items: list[BatchItem], options: BatchOptions, jobs: int) -> Iterator[ItemResult]:
    jobs = max(1, min(jobs, len(items)))
    work: Iterable[tuple[BatchItem, int]] = ((item, 0) for item in items)  # no retries here
    if jobs == 1:
        worker = BatchWorker(options)
        for job in work:
            yield worker.run(*job)
        return
    from dataclasses import replace

    options = replace(options, threads=options.threads or threads_per_worker(jobs))
    # spawn: a fresh interpreter per worker, so no thread pool of this process is forked
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(options,)) as pool:
        yield from pool.imap_unordered(_run_item, work, chunksize=1)
