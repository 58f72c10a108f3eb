"""A process killed at each phase of a save or an autosave loses nothing and leaves nothing.

The kill is real (the child process ends at once, no clean-up runs); the moment is picked
by the fault-injection hook `restorer.faults.point` through `RESTORER_FAULT`.
`benchmarks/robustness.py` repeats this with kills at random moments.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restorer.faults import KILLED
from restorer.imageio import load_image, save_image
from restorer.leftovers import JOURNAL
from restorer.paths import data_dir
from restorer.recovery import RecoveryStore, state_folder

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("RESTORER_FAULT", None)
    if fault:
        env["RESTORER_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _photo(value: int) -> np.ndarray:
    rgb = np.zeros((120, 160, 3), np.uint8)
    rgb[:, :, 0] = value
    rgb[:, :, 1] = np.arange(160, dtype=np.uint8)[None, :]
    return rgb


def _leftovers(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".tmp"))


def _kill_a_save(target: Path, fault: str) -> None:
    script = f"""
        import numpy as np
        from restorer.imageio import save_image
        rgb = np.zeros((120, 160, 3), np.uint8)
        rgb[:, :, 0] = 222
        save_image({str(target)!r}, rgb)
    """
    result = _run(script, fault)
    assert result.returncode == KILLED, result.stderr


@pytest.mark.parametrize("fault", ["save.written", "save.before_rename"])
@pytest.mark.parametrize("ext", ["png", "jpg", "tif"])
def test_a_save_killed_halfway_keeps_the_photo_and_the_next_save_cleans_up(tmp_path, fault, ext):
    target = save_image(tmp_path / f"photo.{ext}", _photo(10))
    before = target.read_bytes()
    _kill_a_save(target, fault)
    assert target.read_bytes() == before  # the photo is the previous complete file
    [leftover] = _leftovers(tmp_path)
    assert leftover.name.startswith(f".photo.{ext}.") and leftover.stat().st_size > 0
    assert len(list((data_dir() / JOURNAL).iterdir())) == 1  # the save noted its file

    save_image(target, _photo(30))  # the next save of the same file
    assert _leftovers(tmp_path) == []
    assert abs(int(load_image(target).rgb[..., 0].mean()) - 30) <= 2


def test_the_next_start_removes_leftovers_anywhere(tmp_path):
    elsewhere = tmp_path / "holiday"
    elsewhere.mkdir()
    target = save_image(elsewhere / "beach.png", _photo(10))
    _kill_a_save(target, "save.before_rename")
    assert len(_leftovers(elsewhere)) == 1
    RecoveryStore(tmp_path / "autosave").stale_sessions()  # what the window does at start
    assert _leftovers(elsewhere) == []
    assert list((data_dir() / JOURNAL).iterdir()) == []
    assert load_image(target).rgb[0, 0, 0] == 10


def test_a_running_save_is_never_swept(tmp_path):
    """Only files of processes that are gone are removed: a save in progress elsewhere
    (here: this very process) keeps its temporary file."""
    from restorer.leftovers import sweep_beside, temp_name

    target = tmp_path / "photo.png"
    mine = temp_name(target)
    mine.write_bytes(b"in progress")
    foreign = tmp_path / ".photo.png.backup.tmp"  # not our pattern: never touched
    foreign.write_bytes(b"someone else's")
    assert sweep_beside(target) == []
    assert mine.exists() and foreign.exists()


AUTOSAVE_PHASES = ["autosave.pixels", "autosave.mask", "autosave.meta", "autosave.switched"]


@pytest.mark.parametrize("fault", AUTOSAVE_PHASES)
def test_an_autosave_killed_in_any_phase_restores_one_whole_save(tmp_path, fault):
    """Save 1: photo A with an empty mask. Save 2: photo B with a painted mask, killed.
    The restore is all of save 1, or (once the switch happened) all of save 2; never
    save 2's pixels with save 1's mask (44 246 painted pixels lost in the issue)."""
    root = tmp_path / "autosave"
    script = f"""
        import os
        import numpy as np
        import restorer.recovery as recovery
        recovery.BAND_ROWS = 16
        store = recovery.RecoveryStore({str(root)!r})
        first = np.full((64, 80, 4), 11, np.uint8)
        store.save(first, np.zeros((64, 80), np.uint8), {{"name": "first"}})
        second = np.full((64, 80, 4), 99, np.uint8)
        painted = np.zeros((64, 80), np.uint8)
        painted[10:50, 10:70] = 255
        os.environ["RESTORER_FAULT"] = {fault!r}
        store.save(second, painted, {{"name": "second"}})
        print("not killed")
    """
    result = _run(script)
    assert result.returncode == KILLED, result.stdout + result.stderr

    [folder] = RecoveryStore(root).stale_sessions()
    state = RecoveryStore.load(folder)
    if fault == "autosave.switched":
        assert state.meta["name"] == "second"
        assert (state.pixels == 99).all() and state.mask.sum() == 255 * 40 * 60
    else:
        assert state.meta["name"] == "first"
        assert (state.pixels == 11).all() and not state.mask.any()
    RecoveryStore.discard(folder)
    assert list(root.iterdir()) == []


def test_an_autosave_keeps_one_generation_and_no_partial_folders(tmp_path):
    store = RecoveryStore(tmp_path, pid=999_999_981)
    for value in (1, 2, 3):
        store.save(np.full((8, 8, 4), value, np.uint8), np.zeros((8, 8), np.uint8), {})
    assert sorted(p.name for p in store.folder.iterdir()) == ["gen-000003", "lock.json"]
    assert state_folder(store.folder).name == "gen-000003"
    assert (RecoveryStore.load(store.folder).pixels == 3).all()


def test_a_state_saved_by_the_previous_version_still_loads(tmp_path):
    folder = tmp_path / "999999980"
    folder.mkdir()
    (folder / "lock.json").write_text('{"pid": 999999980}')
    np.save(folder / "image.npy", np.full((6, 7, 4), 5, np.uint8))
    Image.fromarray(np.full((6, 7), 255, np.uint8)).save(folder / "mask.png")
    (folder / "state.json").write_text('{"name": "old.png", "version": 1}')
    assert RecoveryStore(tmp_path).stale_sessions() == [folder]
    state = RecoveryStore.load(folder)
    assert state.meta["name"] == "old.png" and (state.pixels == 5).all() and state.mask.all()


def test_kept_folder_photos_of_a_crashed_window_are_removed_at_start(tmp_path):
    """A folder's kept photos live in `restorer-folder-<pid>-*` in the temp folder; the
    next start removes those of processes that are gone, never a running one's."""
    from restorer.leftovers import folder_session_prefix, sweep_folder_sessions

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = tmp_path / f"restorer-folder-{int(gone.stdout)}-abc123"
    (dead / "photo-0").mkdir(parents=True)
    (dead / "photo-0" / "mask.npy").write_bytes(b"x" * 64)
    mine = tmp_path / f"{folder_session_prefix()}def456"
    mine.mkdir()
    other = tmp_path / "restorer-folders-of-someone"
    other.mkdir()
    assert sweep_folder_sessions(tmp_path) == [dead]
    assert not dead.exists() and mine.exists() and other.exists()
