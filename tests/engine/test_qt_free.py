"""The engine never loads Qt: it must run in the CLI, in tests and on machines without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import sys, pkgutil, importlib
import restorer
for info in pkgutil.walk_packages(restorer.__path__, "restorer."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
from restorer.cli import main
try:
    main(["engines"])
except SystemExit:
    pass
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"))
print("QT-MODULES:", qt)
"""


def test_importing_every_engine_module_and_running_the_cli_loads_no_qt():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "QT-MODULES: []" in result.stdout, result.stdout


def test_no_module_in_restorer_imports_qt_by_name():
    offenders = []
    for path in (ROOT / "restorer").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and any(
                name in stripped for name in ("PySide6", "shiboken6", "PyQt")
            ):
                offenders.append(f"{path.relative_to(ROOT)}: {stripped}")
    assert offenders == []
