"""Temporary files of our own saves, and removing the ones a killed save left behind.

A save writes `.NAME.<pid>-<token>.tmp` beside its target and renames it over the target
when complete. A save killed in between leaves that file, as large as the photo. Two
things find such leftovers again:

- the next save of the same file removes every `.NAME.<pid>-*.tmp` beside it whose
  process is gone (`sweep_beside`);
- before a save creates its temporary file it notes the path in the user data folder
  (`pending-saves/<pid>-<token>`), and removes the note once the rename is done; at the
  next start `sweep_journal` removes the files that notes of dead processes name, in
  whatever folder they are.

A folder open in the window keeps the photos it moved away from in
`<temp>/restorer-folder-<pid>-*`; a crash leaves that folder, and the next start removes
it (`sweep_folder_sessions`).

Only names of our own pattern whose process id is not running are removed: never a
file another program made, never a save still in progress.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

JOURNAL = "pending-saves"
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-(?P<token>[0-9a-f]{12})\.tmp$")


def temp_name(target: Path, token: str | None = None) -> Path:
    """The temporary file a save of `target` writes first (same folder, hidden)."""
    token = token or secrets.token_hex(6)
    return target.with_name(f".{target.name}.{os.getpid()}-{token}.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        import psutil

        return psutil.pid_exists(pid)
    except Exception:  # noqa: BLE001 - when in doubt, keep the file
        return True


def _journal_dir() -> Path | None:
    try:
        from restorer.paths import data_dir

        folder = data_dir() / JOURNAL
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return None  # no writable data folder: saving still works, without the note


@contextmanager
def pending(temp: Path) -> Iterator[None]:
    """Note `temp` in the journal while a save writes it; the note goes when it ends."""
    folder = _journal_dir()
    note = None
    if folder is not None:
        match = _TEMP_RE.match(temp.name)
        token = match.group("token") if match else secrets.token_hex(6)
        note = folder / f"{os.getpid()}-{token}"
        try:
            note.write_text(str(temp.resolve()), encoding="utf-8")
        except OSError:
            note = None
    try:
        yield
    finally:
        if note is not None:
            note.unlink(missing_ok=True)


def sweep_beside(target: Path) -> list[Path]:
    """Remove leftovers of earlier killed saves of `target`; returns what was removed."""
    removed = []
    folder = target.parent if str(target.parent) else Path(".")
    for path in folder.glob(f".{glob.escape(target.name)}.*.tmp"):
        match = _TEMP_RE.match(path.name)
        if match is None or match.group("name") != target.name:
            continue
        if _alive(int(match.group("pid"))):
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    if removed:
        log.info("Removed %d leftover temporary file(s) of %s", len(removed), target.name)
    return removed


def sweep_journal() -> list[Path]:
    """At start: remove temporary files that saves of processes now gone left anywhere."""
    folder = _journal_dir()
    removed: list[Path] = []
    if folder is None:
        return removed
    for note in folder.iterdir():
        pid_text = note.name.split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            temp = Path(note.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            temp = None
        if temp is not None and _TEMP_RE.match(temp.name):
            try:
                temp.unlink()
                removed.append(temp)
            except FileNotFoundError:
                pass
            except OSError:
                continue  # keep the note: try again next time
        note.unlink(missing_ok=True)
    if removed:
        log.info("Removed %d temporary file(s) left by interrupted saves", len(removed))
    return removed


def folder_session_prefix() -> str:
    """The name prefix of this process's temporary folder of kept folder photos."""
    return f"restorer-folder-{os.getpid()}-"


_SESSION_RE = re.compile(r"^restorer-folder-(?P<pid>\d+)-")


def sweep_folder_sessions(root: Path | None = None) -> list[Path]:
    """At start: remove the kept-photo folders of processes now gone."""
    root = Path(root or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _SESSION_RE.match(entry.name)
        if match is None or not entry.is_dir() or _alive(int(match["pid"])):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    if removed:
        log.info("Removed %d folder(s) of kept photos left by a crash", len(removed))
    return removed
