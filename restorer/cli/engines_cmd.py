"""`restorer engines`: list the engine ids with a description."""

from __future__ import annotations

import argparse

from restorer.catalog import registry


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("engines", help="list the repair engines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    engines = registry().all()
    default = registry().default().id
    width = max(len(engine.id) for engine in engines)
    for engine in engines:
        marks = []
        if engine.id == default:
            marks.append("default")
        if engine.needs_weights:
            marks.append("model")
        if "cuda" in engine.devices:
            marks.append("cpu/cuda")
        suffix = f"  [{', '.join(marks)}]" if marks else ""
        print(f"{engine.id:<{width}}  {engine.description}{suffix}")
    return 0
