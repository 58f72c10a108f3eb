"""Running a batch on a Ray cluster: a pool of actors, each holding a loaded engine.

Files are streamed: each actor has at most two files in flight, and a new one is sent as
each finishes, so the driver never queues the whole collection on the cluster. When an
actor dies (its node lost, its process killed), the files it held are sent again to a
fresh actor; a file whose output that actor had already written in this run is reported
done without being written again (writes are atomic, so a half-written file never counts).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace

from restorer.batch.plan import BatchError, BatchItem, BatchOptions
from restorer.batch.worker import FAILED, BatchWorker, ItemResult

IN_FLIGHT_PER_ACTOR = 2
MAX_ATTEMPTS = 3  # a file whose worker died this many times is reported failed


def _ray():
    try:
        import ray
    except ImportError:
        raise BatchError(
            "--ray needs Ray: install it with  pip install 'restorer[cluster]'  (or pip install ray)."
        ) from None
    return ray


class _Actor:
    """The Ray actor: one BatchWorker for the actor's life."""

    def __init__(self, options: BatchOptions):
        self.worker = BatchWorker(options)

    def run(self, item: BatchItem, started: int) -> ItemResult:
        return self.worker.run(item, started)

    def pid(self) -> int:
        return os.getpid()


def connect(address: str | None, *, num_cpus: int | None = None) -> bool:
    """Join the cluster at `address` ('auto': the one this machine belongs to), or start a
    local Ray when `address` is None. True when this call started Ray (and should stop it)."""
    ray = _ray()
    if ray.is_initialized():
        return False
    kwargs = dict(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    if address:
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=num_cpus, **kwargs)
    return True


def pool_size(jobs: int | None, use_gpu: bool) -> int:
    """Actors to start: `jobs`, or one per CPU (per GPU for GPU actors) of the cluster."""
    if jobs:
        return jobs
    resources = _ray().cluster_resources()
    count = resources.get("GPU", 0) if use_gpu else resources.get("CPU", 1)
    return max(1, int(count))


def run_ray(
    items: list[BatchItem],
    options: BatchOptions,
    *,
    address: str | None = None,
    jobs: int | None = None,
    on_result: Callable[[ItemResult], None] | None = None,
    on_actors: Callable[[list[int]], None] | None = None,
) -> list[ItemResult]:
    """Repair every item on Ray; the same outputs and results as `run_local`.

    `on_actors` is told the process ids of the actors each time the pool changes.
    """
    ray = _ray()
    started_ray = connect(address)
    try:
        use_gpu = options.device != "cpu" and ray.cluster_resources().get("GPU", 0) >= 1
        size = max(1, min(pool_size(jobs, use_gpu), len(items)))
        if not use_gpu and options.device == "auto":
            options = replace(options, device="cpu")
        cpus = ray.cluster_resources().get("CPU", 1)
        options = replace(options, threads=options.threads or max(1, int(cpus // size)))
        remote = ray.remote(num_cpus=1, num_gpus=1 if use_gpu else 0, max_restarts=0)(_Actor)
        return _stream(ray, remote, size, items, options, on_result, on_actors)
    finally:
        if started_ray:
            ray.shutdown()


def _stream(ray, remote, size, items, options, on_result, on_actors):
    started = time.time_ns()
    actors = [remote.remote(options) for _ in range(size)]
    _tell(ray, actors, on_actors)
    pending = list(reversed(items))  # pop() from the end: the first item goes first
    attempts: dict[str, int] = {}  # source -> tries so far, for files sent again
    running: dict = {}  # ObjectRef -> (actor index, item)
    results: dict[str, ItemResult] = {}

    def feed(index: int) -> None:
        while pending and sum(1 for a, _ in running.values() if a == index) < IN_FLIGHT_PER_ACTOR:
            item = pending.pop()
            # Only a file sent again may find its output already written by this run
            # (then it is not written twice); a first try always writes.
            since = started if str(item.source) in attempts else 0
            running[actors[index].run.remote(item, since)] = (index, item)

    for index in range(size):
        feed(index)
    while running:
        ready, _ = ray.wait(list(running), num_returns=1)
        ref = ready[0]
        index, item = running.pop(ref)
        try:
            result = ray.get(ref)
        except ray.exceptions.RayActorError:
            result = _lost(ray, remote, actors, index, item, attempts, pending, running, options)
            _tell(ray, actors, on_actors)
            if result is None:
                feed(index)
                continue
        results[result.source] = result
        if on_result is not None:
            on_result(result)
        feed(index)
    for actor in actors:
        ray.kill(actor)
    return [results[str(item.source)] for item in items]


def _lost(ray, remote, actors, index, item, attempts, pending, running, options):
    """The actor at `index` died while holding `item`: replace it (once per death) and send
    the item again, unless it has used up its attempts (then its failed result)."""
    key = str(item.source)
    attempts[key] = attempts.get(key, 1) + 1
    if not _alive(ray, actors[index]):
        actors[index] = remote.remote(options)
        for ref, (other, held) in list(running.items()):  # its other files are lost too
            if other == index:
                running.pop(ref)
                attempts.setdefault(str(held.source), 1)
                pending.append(held)
    if attempts[key] > MAX_ATTEMPTS:
        return ItemResult(
            key,
            str(item.output),
            FAILED,
            error=f"{item.source.name}: the worker died {MAX_ATTEMPTS} times.",
        )
    pending.append(item)
    return None


def _alive(ray, actor) -> bool:
    try:
        ray.get(actor.pid.remote(), timeout=30)
        return True
    except Exception:  # noqa: BLE001 - any failure means the actor is gone
        return False


def _tell(ray, actors, on_actors) -> None:
    if on_actors is not None:
        on_actors([ray.get(actor.pid.remote()) for actor in actors])
