"""Shared test set-up: Qt runs headless; user data goes to a temporary folder.

Layout: tests/engine (restorer/, no Qt), tests/cli (the `restorer` command), the GUI tests
(pytest-qt), and tests/support (builders and runners the others import). The engine and
CLI tests run without Qt: `scripts/test.sh` runs them with `-p tests.support.no_qt`.
"""

import importlib.util
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

# The GUI fixtures (window, dialogs, the leftover-thread check), declared once for every
# module; they need Qt, so where Qt cannot be imported only the engine and CLI tests run.
pytest_plugins = ["tests.gui_support"] if importlib.util.find_spec("PySide6") else []


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep models, settings and autosaves of tests out of the real user folders."""
    home = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("RESTORER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("RESTORER_CONFIG_DIR", str(home / "config"))
    yield
