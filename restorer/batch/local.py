"""Running a batch on this machine: in this process (`jobs=1`) or in worker processes.

Worker processes are started once (each loads the engine once) and fed a few files at a
time, so results stream back as files finish. If a worker process dies (killed, out of
memory, a decoder crashing on a damaged file), the files it held are tried again in fresh
workers; a file that is in flight when workers die three times is reported failed.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from restorer.batch.plan import BatchItem, BatchOptions
from restorer.batch.worker import FAILED, BatchWorker, ItemResult
from restorer.progress import Progress

MAX_ATTEMPTS = 3
_worker: BatchWorker | None = None


def _start_worker(options: BatchOptions) -> None:
    global _worker
    _worker = BatchWorker(options)


def _run_item(item: BatchItem, since: int) -> ItemResult:
    assert _worker is not None
    return _worker.run(item, since)


def threads_per_worker(jobs: int) -> int:
    """Split the machine's cores between `jobs` workers (at least one each)."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def run_local(
    items: list[BatchItem],
    options: BatchOptions,
    jobs: int = 1,
    on_result: Callable[[ItemResult], None] | None = None,
    progress: Progress | None = None,
) -> list[ItemResult]:
    """Repair every item with `jobs` workers, each loading the engine once.

    Results arrive as files finish (`on_result`), and are returned in the items' order.
    With `jobs=1`, `progress` follows each photo's repair and cancels it mid-photo.
    """
    results: dict[str, ItemResult] = {}
    jobs = max(1, min(jobs, len(items)))
    if jobs == 1:
        stream = _in_process(items, options, progress or Progress())
    else:
        stream = _in_workers(items, options, jobs)
    for result in stream:
        results[result.source] = result
        if on_result is not None:
            on_result(result)
    return [results[str(item.source)] for item in items]


def _in_process(
    items: list[BatchItem], options: BatchOptions, progress: Progress
) -> Iterator[ItemResult]:
    worker = BatchWorker(options)
    for index, item in enumerate(items):
        progress.check()
        yield worker.run(item, progress=progress.span(index / len(items), (index + 1) / len(items)))


def _in_workers(items: list[BatchItem], options: BatchOptions, jobs: int) -> Iterator[ItemResult]:
    options = replace(options, threads=options.threads or threads_per_worker(jobs))
    # spawn: a fresh interpreter per worker, so no thread pool of this process is forked
    context = multiprocessing.get_context("spawn")
    started = time.time_ns()
    queue = deque(items)
    attempts: dict[str, int] = {}
    while queue:
        pool = ProcessPoolExecutor(jobs, context, initializer=_start_worker, initargs=(options,))
        running: dict = {}
        try:
            while queue or running:
                while queue and len(running) < 2 * jobs:  # a few in flight, the rest wait
                    item = queue.popleft()
                    # a file sent again may find its output written by this run: not twice
                    since = started if str(item.source) in attempts else 0
                    running[pool.submit(_run_item, item, since)] = item
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    item = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        broken = True
                        failed = _again(item, attempts, queue)
                        if failed is not None:
                            yield failed
                if broken:
                    for item in running.values():  # the pool is gone with all it held
                        failed = _again(item, attempts, queue)
                        if failed is not None:
                            yield failed
                    running.clear()
                    break
        finally:
            pool.shutdown(wait=not running, cancel_futures=True)


def _again(item: BatchItem, attempts: dict[str, int], queue: deque) -> ItemResult | None:
    """Queue `item` again after its worker died, or its failed result after MAX_ATTEMPTS."""
    key = str(item.source)
    attempts[key] = attempts.get(key, 1) + 1
    if attempts[key] > MAX_ATTEMPTS:
        return ItemResult(
            key,
            str(item.output),
            FAILED,
            error=f"{item.source.name}: the worker process died {MAX_ATTEMPTS} times on it.",
        )
    queue.appendleft(item)
    return None
