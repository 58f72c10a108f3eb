"""Shared test set-up: Qt runs headless; user data goes to a temporary folder.

Layout: tests/engine (restorer/, no Qt), tests/cli (the `restorer` command), tests/gui
(the window, pytest-qt; its fixtures in tests/gui/conftest.py), and tests/support
(builders and runners the others import). The engine and CLI tests run without Qt:
`scripts/test.sh` runs them with `-p tests.support.no_qt`.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep models, settings and autosaves of tests out of the real user folders."""
    home = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("RESTORER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("RESTORER_CONFIG_DIR", str(home / "config"))
    yield
