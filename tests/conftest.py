"""Shared test set-up: Qt runs headless; user data goes to a temporary folder."""

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
