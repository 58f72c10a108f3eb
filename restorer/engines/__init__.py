"""Repair engines behind one interface, and the registry class that lists them.

The process-wide registry, with the built-in engines and the models folder wired in,
is `restorer.catalog.registry()`.
"""

from restorer.engines.base import Engine, SizeRequirements
from restorer.engines.registry import EngineRegistry

__all__ = ["Engine", "EngineRegistry", "SizeRequirements"]
