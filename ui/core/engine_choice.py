"""The repair engine and device the person chose, and what this machine offers.

One `EngineChoice` per window: the tool bar's choosers show it, features read it
(`engine()`, `job_device(engine)`), the models feature reloads it when models come and
go. `changed` is emitted on any change (engine, device, engines list, GPU found).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from restorer.catalog import registry
from restorer.engines.base import Engine
from restorer.errors import RestorerError
from restorer.memory import freeze_long_lived_objects
from restorer.workflows.jobs import DeviceInfo
from ui.core.jobs import Jobs

log = logging.getLogger(__name__)

DEVICE_NAMES = {"auto": "Auto", "cpu": "CPU", "cuda": "CUDA"}


def engine_for(engine_id: str | None) -> Engine:
    """The registered engine `engine_id`, or the default one for None."""
    return registry().resolve(engine_id or None)


class EngineChoice(QObject):
    """The selected engine id and device choice ('auto', 'cpu', 'cuda')."""

    changed = Signal()
    engines_changed = Signal()  # the list of engines was read again

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engines: list[Engine] = []
        self.engine_id: str | None = None
        self.device = "auto"
        # Pixels a repair grows past the painted mask (edge-aware); 0: exactly the mask.
        self.grow_pixels = 0
        self.device_info: DeviceInfo | None = None  # None until the GPU probe answered
        self.reload()

    # -- engines ----------------------------------------------------------------
    def reload(self) -> bool:
        """Read the registry's engines again; a gone engine falls back to the default.

        Returns False when the selected engine is gone.
        """
        self.engines = registry().all()
        ids = [engine.id for engine in self.engines]
        kept = self.engine_id in ids
        if not kept:
            self.engine_id = self.default_id()
        self.engines_changed.emit()
        self.changed.emit()
        return kept

    def default_id(self) -> str | None:
        try:
            return registry().default().id
        except RestorerError:
            return self.engines[0].id if self.engines else None

    def select(self, engine_id: str | None) -> None:
        """Choose `engine_id` (None or an unknown id: the default engine)."""
        if engine_id not in [engine.id for engine in self.engines]:
            engine_id = self.default_id()
        if engine_id != self.engine_id:
            self.engine_id = engine_id
            self.changed.emit()

    def engine(self) -> Engine:
        """The chosen engine (raises `RestorerError` when there is none)."""
        return engine_for(self.engine_id)

    # -- devices ----------------------------------------------------------------
    def devices(self) -> list[str]:
        """The device choices this machine offers."""
        cuda = self.device_info is not None and self.device_info.cuda
        return ["auto", "cpu", "cuda"] if cuda else ["auto", "cpu"]

    def set_device(self, device: str) -> None:
        if device in self.devices() and device != self.device:
            self.device = device
            self.changed.emit()

    def set_device_info(self, info: DeviceInfo) -> None:
        self.device_info = info
        self.changed.emit()

    def job_device(self, engine: Engine) -> str:
        """The device to ask for: the chosen one, or the CPU for CPU-only engines."""
        if self.device != "cpu" and "cuda" not in engine.devices:
            return "cpu"
        return self.device

    def device_text(self, engine: Engine | None = None) -> str:
        """Where `engine` (default: the chosen one) runs, for the status bar."""
        try:
            engine = engine or self.engine()
        except RestorerError:
            return ""
        if self.job_device(engine) == "cpu":
            if self.device == "cuda":
                return f"CPU ({engine.short_label or engine.label} runs on the CPU only)"
            return "CPU"
        if self.device_info is None:
            return "Looking for a GPU…"
        if self.device_info.cuda:
            return self.device_info.cuda_label or "CUDA"
        return "CPU"

    def probe(self, jobs: Jobs) -> int:
        """Look for a GPU as a background job (torch is slow to import)."""
        from restorer.workflows.jobs import ProbeDevicesJob

        def found(info: DeviceInfo) -> None:
            freeze_long_lived_objects()  # torch is loaded now: keep full collections short
            self.set_device_info(info)

        def failed(message: str) -> None:
            log.warning("Looking for a GPU failed: %s", message)
            freeze_long_lived_objects()
            self.set_device_info(DeviceInfo(False))

        return jobs.submit(ProbeDevicesJob(), found, on_failed=failed, background=True)
