"""Repair engines behind one interface, and the registry that lists them."""

from restorer.engines.base import Engine, SizeRequirements
from restorer.engines.registry import EngineRegistry, registry

__all__ = ["Engine", "EngineRegistry", "SizeRequirements", "registry"]
