"""scripts/import_cycles.py: the import circles it counts, and that restorer/ has none."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "import_cycles", ROOT / "scripts/import_cycles.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_planted_circle_is_found_with_its_modules_and_type_checking_ones_can_be_left_out(
    tmp_path,
):
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def later():\n    from . import c\n",  # lazy, relative
            "pkg/c.py": "import pkg.a\n",
            "pkg/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.e import E\n",
            "pkg/e.py": "from pkg.d import thing\n",
            "pkg/sub/__init__.py": "from .leaf import x\n",
            "pkg/sub/leaf.py": "import os\n",
        },
    )
    script = _script()
    graph = script.import_graph(tmp_path, ("pkg",), runtime_only=False)
    assert graph["pkg.b"] == {"pkg.c"} and graph["pkg.sub"] == {"pkg.sub.leaf"}
    assert graph["pkg.sub.leaf"] == set()  # only imports inside the packages count
    every = script.strongly_connected(graph)
    assert every == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.e"]]
    running = script.strongly_connected(script.import_graph(tmp_path, ("pkg",), runtime_only=True))
    assert running == [["pkg.a", "pkg.b", "pkg.c"]]


def test_restorer_has_no_import_circle(capsys):
    assert _script().main(["restorer"]) == 0
    assert capsys.readouterr().out.startswith("restorer: 0 import circle(s)")
