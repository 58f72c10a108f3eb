"""The list of engines: built-ins, plus engines found by providers (e.g. the models folder).

Each id is registered once; a second engine with the same id is refused. Engines are
kept as instances so that anything they load (weights on a device) stays loaded between
jobs until `release()`. This module knows no engine by name: `restorer.catalog` builds
the process-wide registry and wires the built-ins and the models folder into it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from restorer.engines.base import Engine
from restorer.errors import EngineNotFoundError

EngineProvider = Callable[[], Iterable[Engine]]


class EngineRegistry:
    """Engines by id, in registration order."""

    def __init__(self) -> None:
        self._builtin: dict[str, Engine] = {}
        self._providers: list[EngineProvider] = []
        self._provided: dict[str, Engine] = {}
        self._lock = threading.RLock()
        self._scanned = False

    def register(self, engine: Engine) -> Engine:
        """Add a built-in engine; its id must be new."""
        if not engine.id:
            raise ValueError(f"{engine!r} has no id")
        with self._lock:
            if engine.id in self._builtin:
                raise ValueError(f"An engine with id '{engine.id}' is already registered")
            self._builtin[engine.id] = engine
        return engine

    def add_provider(self, provider: EngineProvider) -> None:
        """Add a source of engines that may change at run time (re-read by `refresh`)."""
        with self._lock:
            self._providers.append(provider)
            self._scanned = False

    def refresh(self) -> None:
        """Ask every provider again (e.g. after a model was added or removed)."""
        with self._lock:
            found: dict[str, Engine] = {}
            for provider in self._providers:
                for engine in provider():
                    if engine.id in self._builtin or engine.id in found:
                        continue
                    # Keep the existing instance so loaded weights survive a refresh.
                    found[engine.id] = self._provided.get(engine.id, engine)
            for gone in set(self._provided) - set(found):
                self._provided[gone].release()
            self._provided = found
            self._scanned = True

    def all(self) -> list[Engine]:
        """Every available engine: built-ins first."""
        with self._lock:
            if not self._scanned:
                self.refresh()
            return [*self._builtin.values(), *self._provided.values()]

    def ids(self) -> list[str]:
        return [engine.id for engine in self.all()]

    def get(self, engine_id: str) -> Engine:
        """The engine with this id, or a clear error listing the ids there are."""
        for engine in self.all():
            if engine.id == engine_id:
                return engine
        raise EngineNotFoundError(
            f"No engine called '{engine_id}'. Available: {', '.join(self.ids())}."
        )

    def default(self) -> Engine:
        """The best engine that needs no model files."""
        candidates = [e for e in self.all() if not e.needs_weights]
        if not candidates:
            raise EngineNotFoundError("No weight-free engine is registered.")
        return max(candidates, key=lambda e: e.rank)

    def resolve(self, engine_id: str | None) -> Engine:
        """The engine with this id, or the default engine when `engine_id` is None."""
        return self.default() if engine_id is None else self.get(engine_id)
