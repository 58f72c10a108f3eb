"""A pytest plugin that makes Qt unimportable, as on a machine without it.

    python -m pytest -p no:pytestqt -p tests.support.no_qt tests/engine tests/cli

Loaded with `-p`, it runs before any test module is imported; from then on `import
PySide6` (or shiboken6, PyQt5/6) raises ImportError in this process, so an engine or CLI
test that needs Qt, or engine code that reaches for it, fails here. pytest-qt is switched
off with `-p no:pytestqt` (a machine without Qt has no pytest-qt either).
"""

from __future__ import annotations

import sys

BLOCKED = ("PySide6", "shiboken6", "PyQt5", "PyQt6")

for _name in BLOCKED:
    if sys.modules.get(_name) is not None:
        raise RuntimeError(f"{_name} was imported before tests.support.no_qt could block it")
    sys.modules[_name] = None  # `import` of a name mapped to None raises ImportError


def pytest_report_header(config) -> str:
    return f"Qt blocked: {', '.join(BLOCKED)} cannot be imported"


def pytest_addoption(parser) -> None:
    # pyproject.toml sets pytest-qt's `qt_api`; with pytest-qt off, declare it so pytest
    # does not warn about an unknown option.
    parser.addini("qt_api", "read by pytest-qt, which is off in this run")
