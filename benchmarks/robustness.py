"""Hostile input and bad luck, at length: mutated files, bombs, kills during saves and
autosaves, cancelled repairs. Prints one table.

    python benchmarks/robustness.py [--files 10000] [--cli 200] [--kills 100]
        [--cancels 200] [--zip-bomb-gib 2] [--large]

Rows (the fast, deterministic versions of each are in tests/engine and tests/cli):

- fuzz: `--files` mutated files of every format the app opens (fixed seed), opened
  in worker processes so a crash in a decoder is counted, not fatal; a file taking
  over 20 s counts as a hang.
- fuzz via CLI: `--cli` of them through `restorer inpaint`: status 0, or 2 with one
  line on stderr; anything else (a traceback, more lines) counts.
- bombs: each kind of decompression bomb in a fresh process: refused? time, memory.
- zip-bomb .pth: one `--zip-bomb-gib` GiB float storage stored deflated.
- kills: `--kills` real SIGKILLs at random moments per save path (PNG, JPEG, TIFF
  photo, mask) and per autosave, plus a kill at each fault point; after each, the
  file must be the old or the new one in full, and the next start leaves no leftovers.
- cancels: `--cancels` repairs cancelled at a random progress step; the photo and mask
  must be unchanged and memory must not grow.
- `--large`: a real 12 000 x 9 000 JPEG (108 MP) is saved and opened again.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HANG_SECONDS = 20
COLUMNS = (
    "trials",
    "clean refusals",
    "crashes",
    "tracebacks",
    "hangs",
    "files lost",
    "torn/mixed",
    "leftovers",
)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    env.pop("RESTORER_FAULT", None)
    env.update(extra)
    return env


def _row(**counts: int) -> dict[str, int]:
    return {column: counts.get(column.replace(" ", "_").replace("/", "_"), 0) for column in COLUMNS}


# -- fuzz ------------------------------------------------------------------------------

_FUZZ_WORKER = r"""
import json, os, sys, signal, warnings
from restorer.imageio import load_image
from restorer.errors import RestorerError
warnings.simplefilter("error")
def alarm(*_): raise TimeoutError
signal.signal(signal.SIGALRM, alarm)
with open(sys.argv[1], encoding="utf-8") as listing:
    paths = listing.read().split()
for path in paths:
    print(json.dumps(["start", path]), flush=True)
    signal.alarm(HANG_SECONDS)
    try:
        load_image(path)
        outcome = ["opened", ""]
    except RestorerError as error:
        text = str(error)
        outcome = ["refused" if "\n" not in text else "multiline", ""]
    except TimeoutError:
        outcome = ["hang", ""]
    except BaseException as error:
        outcome = ["traceback", f"{type(error).__name__}: {error}"[:200]]
    signal.alarm(0)
    print(json.dumps(["done", path, *outcome]), flush=True)
""".replace("HANG_SECONDS", str(HANG_SECONDS))


def fuzz(folder: Path, count: int, seed: int) -> tuple[dict, list[str]]:
    from tests.engine.fuzzing import mutated

    paths = []
    for index, (fmt, data) in enumerate(mutated(count, seed=seed)):
        path = folder / f"fuzz{index:06d}.{fmt}"
        path.write_bytes(data)
        paths.append(path)
    counts = {"trials": 0, "clean_refusals": 0, "crashes": 0, "tracebacks": 0, "hangs": 0}
    notes: list[str] = []
    stderr_bytes = 0
    pending = list(paths)
    while pending:
        with tempfile.TemporaryFile() as err:
            listing = folder / "pending.txt"
            listing.write_text("".join(f"{p}\n" for p in pending), encoding="utf-8")
            worker = subprocess.Popen(
                [sys.executable, "-c", _FUZZ_WORKER, str(listing)],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=_env(),
            )
            started = None
            for line in worker.stdout:
                event = json.loads(line)
                if event[0] == "start":
                    started = event[1]
                    continue
                started = None
                pending.pop(0)
                counts["trials"] += 1
                kind = event[2]
                if kind == "refused":
                    counts["clean_refusals"] += 1
                elif kind == "hang":
                    counts["hangs"] += 1
                    notes.append(f"hang: {event[1]}")
                elif kind in ("traceback", "multiline"):
                    counts["tracebacks"] += 1
                    notes.append(f"{kind}: {Path(event[1]).name}: {event[3]}")
            worker.wait()
            err.seek(0)
            text = err.read()
            if text:
                notes.append(
                    "stderr: " + " | ".join(text.decode(errors="replace").split("\n"))[:300]
                )
            stderr_bytes += len(text)
            if started is not None:  # the worker died inside a decoder
                counts["trials"] += 1
                counts["crashes"] += 1
                notes.append(f"crash (status {worker.returncode}): {started}")
                pending.pop(0)
    if stderr_bytes:
        notes.append(f"fuzz workers wrote {stderr_bytes} bytes to stderr")
    return counts, notes


def fuzz_cli(folder: Path, count: int, seed: int) -> tuple[dict, list[str]]:
    import numpy as np
    from PIL import Image

    from tests.engine.fuzzing import mutated

    counts = {"trials": 0, "clean_refusals": 0, "tracebacks": 0, "crashes": 0}
    notes = []
    masks = {}
    for index, (fmt, data) in enumerate(mutated(count, seed=seed + 1)):
        path = folder / f"cli{index:05d}.{fmt}"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # only the size is wanted here
                with Image.open(path) as image:
                    size = image.size
        except Exception:  # noqa: BLE001 - any size will do for a file that won't open
            size = (24, 20)
        if size not in masks and size[0] * size[1] < 50_000_000:
            mask = np.zeros((size[1], size[0]), np.uint8)
            mask[: max(1, size[1] // 4), : max(1, size[0] // 4)] = 255
            masks[size] = folder / f"mask-{size[0]}x{size[1]}.png"
            Image.fromarray(mask).save(masks[size])
        mask_path = masks.get(size, next(iter(masks.values())))
        out = folder / f"cli{index:05d}-out.png"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "restorer",
                "inpaint",
                str(path),
                "--mask",
                str(mask_path),
                "-o",
                str(out),
                "--engine",
                "telea",
            ],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=120,
        )
        counts["trials"] += 1
        lines = result.stderr.splitlines()
        if result.returncode == 2 and len(lines) == 1 and lines[0].startswith("restorer: error:"):
            counts["clean_refusals"] += 1
        elif result.returncode == 0 and "Traceback" not in result.stderr and len(lines) <= 1:
            pass  # opened and repaired (a progress line at most)
        elif result.returncode < 0:
            counts["crashes"] += 1
            notes.append(f"cli crash {result.returncode}: {path.name}")
        else:
            counts["tracebacks"] += 1
            notes.append(f"cli status {result.returncode}, {len(lines)} lines: {path.name}")
    return counts, notes


# -- bombs ------------------------------------------------------------------------------

_BOMB_WORKER = r"""
import json, resource, sys, time
from pathlib import Path
kind, path = sys.argv[1], Path(sys.argv[2])
if kind == "model":
    import torch  # noqa: F401 - loaded before the baseline, as in the app
    from restorer.models.safeload import read_weights as read
else:
    from restorer.imageio import load_image as read
from restorer.errors import RestorerError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    read(path)
    outcome = "opened"
except RestorerError as error:
    outcome = "refused"
except BaseException as error:
    outcome = f"{type(error).__name__}"
seconds = time.perf_counter() - start
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps([outcome, seconds, grown]))
"""


def bombs(folder: Path, zip_gib: float) -> tuple[dict, list[str]]:
    from tests.engine import modelbombs
    from tests.engine.fuzzing import bombs as image_bombs

    files = []
    for name, data in image_bombs().items():
        (folder / name).write_bytes(data)
        files.append(("image", folder / name))
    if zip_gib > 0:
        made = time.perf_counter()
        bomb = modelbombs.zip_bomb(folder / "bomb.pth", int(zip_gib * (1 << 30)))
        print(
            f"  built a {zip_gib:g} GiB zip bomb in {time.perf_counter() - made:.0f} s "
            f"({bomb.stat().st_size / 1e6:.1f} MB on disk)",
            file=sys.stderr,
        )
        files.append(("model", bomb))
    counts = {"trials": 0, "clean_refusals": 0, "tracebacks": 0}
    notes = []
    worst_time = worst_memory = 0.0
    for kind, path in files:
        result = subprocess.run(
            [sys.executable, "-c", _BOMB_WORKER, kind, str(path)],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=300,
        )
        counts["trials"] += 1
        try:
            outcome, seconds, grown = json.loads(result.stdout)
        except ValueError:
            counts["tracebacks"] += 1
            notes.append(f"bomb {path.name}: {result.stderr[-200:]}")
            continue
        if outcome == "refused":
            counts["clean_refusals"] += 1
        else:
            counts["tracebacks"] += 1
        notes.append(f"bomb {path.name}: {outcome} in {seconds:.3f} s, +{grown:.0f} MB peak")
        worst_time, worst_memory = max(worst_time, seconds), max(worst_memory, grown)
    notes.append(f"bombs: slowest refusal {worst_time:.3f} s, most memory +{worst_memory:.0f} MB")
    return counts, notes


# -- kills ------------------------------------------------------------------------------

_SAVE_WORKER = r"""
import sys
import numpy as np
from restorer.imageio import save_image, save_mask
target, kind = sys.argv[1], sys.argv[2]
a = np.load(sys.argv[3]); b = np.load(sys.argv[4])
print("ready", flush=True)
for turn in range(10**6):
    pixels = a if turn % 2 == 0 else b
    if kind == "mask":
        save_mask(target, pixels[..., 0] > 127)
    else:
        save_image(target, pixels, quality=90)
"""


def _decoded(path: Path, kind: str):
    import numpy as np

    from restorer.imageio import load_image, load_mask

    if kind == "mask":
        return load_mask(path).astype(np.uint8)
    return load_image(path).rgb


def kills_of_saves(folder: Path, kind: str, ext: str, count: int, rng) -> dict:
    import numpy as np

    from restorer.imageio import save_image, save_mask
    from restorer.leftovers import sweep_journal

    height, width = 900, 1200
    y, x = np.mgrid[0:height, 0:width]
    a = np.dstack([(x % 256), (y % 256), ((x + y) % 256)]).astype(np.uint8)
    b = 255 - a
    np.save(folder / "a.npy", a)
    np.save(folder / "b.npy", b)
    target = folder / f"{kind}.{ext}"
    (save_mask(target, a[..., 0] > 127) if kind == "mask" else save_image(target, a, quality=90))
    references = []
    for pixels, name in ((a, "ref-a"), (b, "ref-b")):
        ref = folder / f"{name}.{ext}"
        (
            save_mask(ref, pixels[..., 0] > 127)
            if kind == "mask"
            else save_image(ref, pixels, quality=90)
        )
        references.append(_decoded(ref, kind))
    counts = {"trials": 0, "files_lost": 0, "torn_mixed": 0, "leftovers": 0}
    faults = ["save.written", "save.before_rename"]
    for trial in range(count + len(faults)):
        fault = faults[trial - count] if trial >= count else None
        env = _env(RESTORER_FAULT=fault) if fault else _env()
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _SAVE_WORKER,
                str(target),
                kind,
                str(folder / "a.npy"),
                str(folder / "b.npy"),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        worker.stdout.readline()
        if fault is None:
            time.sleep(float(rng.uniform(0.0, 1.5)))
            worker.send_signal(signal.SIGKILL)
        worker.wait()
        counts["trials"] += 1
        if not target.exists():
            counts["files_lost"] += 1
            save_image(target, a) if kind != "mask" else save_mask(target, a[..., 0] > 127)
            continue
        try:
            now = _decoded(target, kind)
            if not any(now.shape == ref.shape and np.array_equal(now, ref) for ref in references):
                counts["torn_mixed"] += 1
        except Exception:  # noqa: BLE001 - an unreadable file is a torn one
            counts["torn_mixed"] += 1
        sweep_journal()  # what the next start does
        counts["leftovers"] += sum(1 for p in folder.iterdir() if p.name.endswith(".tmp"))
    return counts


_AUTOSAVE_WORKER = r"""
import sys
import numpy as np
from restorer.recovery import RecoveryStore
store = RecoveryStore(sys.argv[1])
print("ready", flush=True)
for turn in range(1, 10**6):
    pixels = np.full((1200, 1600, 4), turn % 256, np.uint8)
    mask = np.zeros((1200, 1600), np.uint8)
    mask[: turn % 1200] = 255
    store.save(pixels, mask, {"turn": turn})
"""


def kills_of_autosaves(folder: Path, count: int, rng) -> dict:
    import numpy as np

    from restorer.recovery import RecoveryStore

    counts = {"trials": 0, "files_lost": 0, "torn_mixed": 0, "leftovers": 0}
    faults = ["autosave.pixels", "autosave.mask", "autosave.meta", "autosave.switched"]
    for trial in range(count + len(faults)):
        root = folder / f"autosave{trial}"
        fault = faults[trial - count] if trial >= count else None
        worker = subprocess.Popen(
            [sys.executable, "-c", _AUTOSAVE_WORKER, str(root)],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        worker.stdout.readline()
        if fault is None:
            time.sleep(float(rng.uniform(0.3, 2.5)))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        else:
            worker.kill()
            worker.wait()
            script = (
                "import os, sys, numpy as np\n"
                "from restorer.recovery import RecoveryStore\n"
                "store = RecoveryStore(sys.argv[1])\n"
                "store.save(np.full((64,64,4), 1, np.uint8), np.zeros((64,64), np.uint8), {'turn': 1})\n"
                f"os.environ['RESTORER_FAULT'] = {fault!r}\n"
                "m = np.zeros((64,64), np.uint8); m[:2] = 255\n"
                "store.save(np.full((64,64,4), 2, np.uint8), m, {'turn': 2})\n"
            )
            subprocess.run([sys.executable, "-c", script, str(root)], env=_env(), timeout=60)
        counts["trials"] += 1
        sessions = RecoveryStore(root).stale_sessions()
        if not sessions:
            counts["before_first"] = counts.get("before_first", 0) + 1  # nothing to lose yet
            continue
        state = RecoveryStore.load(sessions[0])
        turn = int(state.meta["turn"])
        size = state.mask.shape
        rows = (turn % size[0]) if size[0] == 1200 else (2 if turn == 2 else 0)
        expected_mask = np.zeros(size, np.uint8)
        expected_mask[:rows] = 255
        if not ((state.pixels == turn % 256).all() and np.array_equal(state.mask, expected_mask)):
            counts["torn_mixed"] += 1
        RecoveryStore.discard(sessions[0])
        counts["leftovers"] += sum(1 for _ in root.iterdir()) if root.exists() else 0
    return counts


# -- cancels ----------------------------------------------------------------------------


def cancels(count: int, rng) -> tuple[dict, list[str]]:
    import numpy as np
    import psutil

    from restorer.api import inpaint
    from restorer.progress import Cancelled, Progress

    size = 256
    y, x = np.mgrid[0:size, 0:size]
    image = np.dstack([(x * 3) % 256, (y * 5) % 256, ((x ^ y) % 256)]).astype(np.uint8)
    mask = np.zeros((size, size), bool)
    mask[90:150, 100:170] = True
    image_before, mask_before = image.copy(), mask.copy()
    counts = {"trials": 0, "clean_refusals": 0, "tracebacks": 0, "files_lost": 0}
    process = psutil.Process()
    rss = []
    inpaint(image, mask, engine="patchmatch", device="cpu")  # warm up: imports
    started = time.perf_counter()
    inpaint(image, mask, engine="patchmatch", device="cpu")
    whole = time.perf_counter() - started
    for trial in range(count):
        progress = Progress()
        # Cancel from another thread at a random moment of the repair, as the window does.
        timer = threading.Timer(float(rng.uniform(0.0, whole)), progress.cancel)
        timer.start()
        counts["trials"] += 1
        try:
            inpaint(image, mask, engine="patchmatch", device="cpu", progress=progress, seed=trial)
        except Cancelled:
            counts["clean_refusals"] += 1
        except Exception:  # noqa: BLE001 - anything else is a failure to report
            counts["tracebacks"] += 1
        timer.cancel()
        if not (np.array_equal(image, image_before) and np.array_equal(mask, mask_before)):
            counts["files_lost"] += 1
        if trial in (count // 10, count - 1):
            rss.append(process.memory_info().rss)
    grown = (rss[-1] - rss[0]) / 1e6 if len(rss) == 2 else 0.0
    return counts, [
        f"cancels: a whole repair takes {whole:.2f} s; memory {grown:+.1f} MB "
        f"between cycle {count // 10} and {count}"
    ]


# -- large ------------------------------------------------------------------------------


def large(folder: Path) -> list[str]:
    import numpy as np

    from restorer.imageio import load_image, save_image

    rgb = np.zeros((9_000, 12_000, 3), np.uint8)
    rgb[:, :, 0] = np.arange(12_000, dtype=np.uint32)[None, :] % 256
    path = save_image(folder / "medium-format.jpg", rgb, quality=85)
    del rgb
    start = time.perf_counter()
    photo = load_image(path)
    return [
        f"108 MP JPEG ({path.stat().st_size / 1e6:.0f} MB) opened as "
        f"{photo.width}x{photo.height} in {time.perf_counter() - start:.1f} s"
    ]


def main() -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--cli", type=int, default=200)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument(
        "--autosave-kills", type=int, default=None, help="kills of autosaves (default: --kills)"
    )
    parser.add_argument("--cancels", type=int, default=200)
    parser.add_argument("--zip-bomb-gib", type=float, default=2.0)
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows: dict[str, dict] = {}
    notes: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="restorer-robustness-") as scratch:
        scratch = Path(scratch)
        os.environ["RESTORER_DATA_DIR"] = str(scratch / "data")
        for name in ("fuzz", "cli", "bombs", "saves", "large"):
            (scratch / name).mkdir()
        if args.files:
            counts, more = fuzz(scratch / "fuzz", args.files, args.seed)
            rows["fuzz (in-process)"] = _row(**counts)
            notes += more
        if args.cli:
            counts, more = fuzz_cli(scratch / "cli", args.cli, args.seed)
            rows["fuzz via CLI"] = _row(**counts)
            notes += more
        counts, more = bombs(scratch / "bombs", args.zip_bomb_gib)
        rows["bombs (image + .pth)"] = _row(**counts)
        notes += more
        if args.kills:
            for kind, ext in (
                ("photo", "png"),
                ("photo", "jpg"),
                ("photo", "tif"),
                ("mask", "png"),
            ):
                folder = scratch / "saves" / f"{kind}-{ext}"
                folder.mkdir()
                rows[f"kills: save {kind} .{ext}"] = _row(
                    **kills_of_saves(folder, kind, ext, args.kills, rng)
                )
            folder = scratch / "saves" / "autosave"
            folder.mkdir()
            counts = kills_of_autosaves(folder, args.autosave_kills or args.kills, rng)
            notes.append(
                f"autosave kills before the first autosave completed (nothing to keep yet): "
                f"{counts.pop('before_first', 0)}"
            )
            rows["kills: autosave"] = _row(**counts)
        if args.cancels:
            counts, more = cancels(args.cancels, rng)
            rows["cancelled repairs"] = _row(**counts)
            notes += more
        if args.large:
            notes += large(scratch / "large")
    width = max(len(name) for name in rows) + 2
    print(f"{'':<{width}}" + "".join(f"{column:>15}" for column in COLUMNS))
    for name, row in rows.items():
        print(f"{name:<{width}}" + "".join(f"{row[column]:>15}" for column in COLUMNS))
    print(
        f"({time.perf_counter() - started:.0f} s; for cancelled repairs 'clean refusals' "
        "counts repairs stopped by Cancelled (the others finished before their cancel came) "
        "and 'files lost' photos or masks changed by a cancelled repair)"
    )
    for note in notes:
        print("  " + note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
