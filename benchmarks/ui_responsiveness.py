"""How the window feels on a 24-megapixel photo: brush latency, stalls during a repair, memory.

Drives the real MainWindow on the offscreen platform (no screen needed):

    QT_QPA_PLATFORM=offscreen python benchmarks/ui_responsiveness.py [--width 6000 --height 4000]

Prints one JSON line:
  stroke_ms_p95  one mouse-move segment of a brush stroke (numpy brush, pyramid update,
                 repaint of the touched rectangle), p95 over strokes at fit, at 100%, with
                 a large and a soft brush;
  max_stall_ms   the longest gap between 5 ms timer ticks while repairs run on the worker
                 (the GUI thread applying results included), and while strokes heal;
  rss_mb         growth of resident memory after opening the photo and making 50 undo
                 steps, over a baseline taken with the interpreter, libraries and window up;
  image_mb       the photo's RGBA size (the target is rss_mb < 4 x image_mb).

With --retouch it drives the clone stamp and the healing brush instead (Alt-click a
source, then strokes at fit and at 100%, hard and soft, small and large brushes) and
prints clone_ms_p95/max and heal_ms_p95/max per mouse-move segment (the target is a
p95 under 16 ms: 60 fps), the GUI thread's CPU time per segment (*_cpu_ms_p95: the
same on a loaded machine), and the mean and max time of a stroke's end (heal_end_ms:
the healing brush's membrane blend; clone_end_ms: the undo record), and apart the
healing ends blended on the GUI thread (heal_end_sync_*: up to SYNC_HEAL_AREA pixels, or
--sync-heal-area N to compare limits).

With `--cycles N` it measures something else: N repairs started and cancelled at a
random moment (a fixed seed) on the photo (default 12 MP here: pass --width/--height),
with the event loop's pauses measured throughout (a 5 ms precise timer: a pause is the
gap between two ticks). After each cycle the photo, the mask and the undo stack must be
as before (a repair that finished before its cancel came is undone). Prints one JSON
line: pause_ms_max, pause_ms_p99, pauses over 50 ms, cycles stopped mid-way.
`--diagnose` adds a watchdog thread that, whenever the GUI thread's tick is late by
more than `--late-ms`, records what every thread was running (`sys._current_frames`)
and whether the watchdog itself was held up (then something held the GIL), and prints
the most frequent culprits to stderr. It also times, on the GUI thread, every event Qt
dispatches (by event type and receiver: Qt's own painting and layouts, queued slots,
timers) and every garbage collection (`gc.callbacks`): the work the handler timing and
the stack sampler cannot see (native code shows no Python frame; a collection holds the
GIL, so the watchdog cannot sample it). For each pause over 40 ms it prints how long the
GUI thread ran, the events dispatched in it and their CPU time, and those over 2 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import psutil  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

UNDO_STEPS = 50
REPAIRS = 5


class EventTimes:
    """The GUI thread's CPU time per top-level event dispatch (type, receiver class), and
    per garbage collection: the native work (Qt's own painting, layouts, deferred
    deletes) and the collector, which the per-handler timing and the stack sampler miss."""

    def __init__(self) -> None:
        self.events: dict[str, list[float]] = {}
        self.collections: dict[int, list[float]] = {}
        self.small: list[tuple[float, float]] = []  # (when, CPU ms) of every dispatch
        self.log: list[tuple[float, str, float]] = []  # (when it ended, what, CPU ms)
        self.walked: list[tuple[int, int]] = []  # (tracked, frozen) at each full collection
        self._depth = 0
        self._gc_started = 0.0
        self._walking = 0

    def application(self) -> QApplication:
        times = self

        class TimedApplication(QApplication):
            def notify(self, receiver, event):  # noqa: N802 - Qt's name
                if times._depth or threading.current_thread() is not threading.main_thread():
                    return super().notify(receiver, event)
                times._depth += 1
                cpu = time.thread_time()
                try:
                    return super().notify(receiver, event)
                finally:
                    times._depth -= 1
                    spent = (time.thread_time() - cpu) * 1000
                    times.small.append((time.perf_counter(), spent))
                    if spent > 2:
                        parent = receiver.parent() if hasattr(receiver, "parent") else None
                        label = (
                            f"{event.type().name} -> {type(receiver).__name__}"
                            f" of {type(parent).__name__}"
                        )
                        times.events.setdefault(label, []).append(spent)
                        times.log.append((time.perf_counter(), label, spent))

        gc.callbacks.append(self._on_gc)
        return TimedApplication([])

    def _on_gc(self, phase: str, info: dict) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if phase == "start":
            self._walking = len(gc.get_objects(info["generation"]))
            if info["generation"] == 2:  # how much it walks (not frozen)
                self.walked.append((len(gc.get_objects()), gc.get_freeze_count()))
            self._gc_started = time.thread_time()
        else:
            spent = (time.thread_time() - self._gc_started) * 1000
            self.collections.setdefault(info["generation"], []).append(spent)
            if spent > 2:
                label = (
                    f"gc generation {info['generation']} ({self._walking} walked, "
                    f"{info['collected']} freed)"
                )
                self.log.append((time.perf_counter(), label, spent))

    def report(self, top: int = 15) -> None:
        print("  events over 2 ms of GUI CPU (count, max, total ms):", file=sys.stderr)
        ranked = sorted(self.events.items(), key=lambda item: -sum(item[1]))
        for label, times in ranked[:top]:
            print(
                f"    {label}: {len(times)}, max {max(times):.1f}, total {sum(times):.0f}",
                file=sys.stderr,
            )
        for generation, times in sorted(self.collections.items()):
            print(
                f"  gc generation {generation}: {len(times)} collections, "
                f"max {max(times):.1f} ms, total {sum(times):.0f} ms",
                file=sys.stderr,
            )
        print(f"  full collections walked (tracked, frozen): {self.walked}", file=sys.stderr)
        slow = [f"{what} {ms:.0f}" for _, what, ms in self.log if what.startswith("gc")]
        print(f"  collections over 2 ms: {slow}", file=sys.stderr)


def make_photo(path: Path, width: int, height: int) -> None:
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
    image.save(path, quality=92)


def wait_until(app: QApplication, condition, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.002)


def stroke(
    app,
    canvas,
    start: QPoint,
    steps: int,
    times: list[float] | None = None,
    ends: list[float] | None = None,
    cpu: list[float] | None = None,
    end_cpu: list[float] | None = None,
) -> None:
    """One brush stroke of `steps` mouse moves; appends milliseconds per move to `times`
    (and the GUI thread's CPU milliseconds to `cpu`), and of the release to `ends` (and
    its CPU milliseconds to `end_cpu`)."""
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    app.processEvents()
    point = start
    for step in range(steps):
        point = start + QPoint(round(3 * step), round(40 * np.sin(step / 9)))
        started = time.perf_counter()
        cpu_started = time.thread_time()
        QTest.mouseMove(canvas, point)
        app.processEvents()
        if times is not None:
            times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - cpu_started) * 1000)
    started = time.perf_counter()
    cpu_started = time.thread_time()
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    app.processEvents()
    if ends is not None:
        ends.append((time.perf_counter() - started) * 1000)
    if end_cpu is not None:
        end_cpu.append((time.thread_time() - cpu_started) * 1000)


def measure_retouch(app, window, strokes: int) -> dict:
    """Clone and healing strokes on the open photo: milliseconds per segment and per end."""
    from ui.features.retouch import tools

    canvas = window.canvas
    retouch = window.features["retouch"]
    centre = canvas.rect().center()
    plan = [("fit", 60, 1.0), ("fit", 300, 0.5), ("100%", 60, 1.0), ("100%", 150, 0.3)]
    plan.append(("100%", 250, 0.5))  # its end: a box of ~130 000 px
    result = {}
    for name, action in (("clone", retouch.clone_action), ("heal", retouch.healing_action)):
        action.trigger()
        times: list[float] = []
        ends: list[float] = []
        cpu: list[float] = []
        end_cpu: list[float] = []
        areas: list[int] = []  # the rectangle each stroke's end wrote
        for index in range(strokes):
            kind, size, hardness = plan[index % len(plan)]
            if kind == "fit":
                canvas.fit()
            else:
                canvas.zoom_to(1.0)
            app.processEvents()
            window.features["mask"].brush_size.set_value(size)
            canvas.set_hardness(hardness)
            source = centre + QPoint(-250, -150 + (index * 41) % 300)
            QTest.mouseClick(
                canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, source
            )
            app.processEvents()
            start = centre + QPoint(-150 + (index * 97) % 300, -200 + (index * 61) % 350)
            count = window.document.undo_stack.count()
            stroke(app, canvas, start, 60, times, ends, cpu, end_cpu)
            stack = window.document.undo_stack
            top = stack.command(stack.count() - 1) if stack.count() > count else None
            edit = getattr(top, "pixels", None)
            areas.append(edit.box.area if edit is not None else 0)
        result[f"{name}_ms_p95"] = round(float(np.percentile(times, 95)), 2)
        result[f"{name}_ms_max"] = round(max(times), 2)
        # CPU time of the GUI thread: what the segment costs on an idle machine.
        result[f"{name}_cpu_ms_p95"] = round(float(np.percentile(cpu, 95)), 2)
        result[f"{name}_cpu_ms_max"] = round(max(cpu), 2)
        result[f"{name}_end_ms_mean"] = round(float(np.mean(ends)), 1)
        result[f"{name}_end_ms_max"] = round(max(ends), 1)
        result[f"{name}_segments"] = len(times)
        if name == "heal":
            # The ends blended on the GUI thread (area up to SYNC_HEAL_AREA), apart.
            sync = [i for i, area in enumerate(areas) if 0 < area <= tools.SYNC_HEAL_AREA]
            if sync:
                result["heal_end_sync_ms_max"] = round(max(ends[i] for i in sync), 1)
                result["heal_end_sync_cpu_ms_max"] = round(max(end_cpu[i] for i in sync), 1)
                result["heal_end_sync_area_max"] = max(areas[i] for i in sync)
            result["heal_end_sync_strokes"] = len(sync)
            result["sync_heal_area"] = tools.SYNC_HEAL_AREA
        result[f"{name}_end_cpu_ms_max"] = round(max(end_cpu), 1)
    return result


def _schedstat() -> tuple[int, int, int] | None:
    """This thread's time on a CPU and waiting for one (ns), and how many times it got
    one, where Linux tells."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as file:
            ran, queued, slices = file.read().split()[:3]
    except (OSError, ValueError):
        return None
    return int(ran), int(queued), int(slices)


class StallMeter:
    """The longest gap between ticks of a 5 ms timer while it runs."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.last_tick = time.perf_counter()  # read by the watchdog thread
        self.running = False
        self.ticks: list[float] = []  # perf_counter of each tick (gap i ends at ticks[i])
        self.split: list[tuple] = []  # gap, ran, waited for a core (ms), times scheduled
        self.sched: tuple[int, int, int] | None = None

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.gaps.append(now - self.last)
        self.last = now
        self.last_tick = time.perf_counter()
        self.ticks.append(self.last_tick)
        sched = _schedstat()
        if sched is not None and self.sched is not None:
            ran, queued, slices = (sched[i] - self.sched[i] for i in (0, 1, 2))
            self.split.append((self.gaps[-1], ran / 1e6, queued / 1e6, slices))
        self.sched = sched

    def breakdown(self, over_ms: float = 50.0) -> dict:
        """Where the GUI thread's long pauses went (Linux): running (its own work),
        waiting for a core (the machine is busy), or blocked (the GIL, or idle)."""
        long = [item for item in self.split if item[0] > over_ms]
        if not long:
            return {}
        gap, ran, queued, slices = (float(np.sum([item[i] for item in long])) for i in range(4))
        return {
            "pauses": len(long),
            "gui_running_ms": round(ran / len(long), 1),
            "gui_waiting_for_a_core_ms": round(queued / len(long), 1),
            "gui_blocked_ms": round((gap - ran - queued) / len(long), 1),
            "gui_scheduled_times": round(slices / len(long), 1),
            "gui_running_ms_max": round(max(item[1] for item in long), 1),
            # The five longest pauses: (pause, the GUI thread running in it) in ms.
            "worst": [
                (round(item[0]), round(item[1], 1))
                for item in sorted(long, key=lambda item: -item[0])[:5]
            ],
        }

    def start(self) -> None:
        self.clock.start()
        self.last = self.clock.elapsed()
        self.last_tick = time.perf_counter()
        self.sched = _schedstat()
        self.running = True
        self.timer.start(5)

    def stop(self) -> None:
        self.running = False
        self.timer.stop()

    def pause(self) -> None:
        self.running = False
        self.timer.stop()

    def resume(self) -> None:
        self.last = self.clock.elapsed()
        self.last_tick = time.perf_counter()
        self.sched = _schedstat()
        self.running = True
        self.timer.start(5)


def _where(frame, depth: int = 4) -> str:
    """The innermost `depth` calls of `frame` as 'file:line function' (project files first)."""
    calls = []
    while frame is not None and len(calls) < depth:
        code = frame.f_code
        name = Path(code.co_filename)
        short = "/".join(name.parts[-2:])
        calls.append(f"{short}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return " < ".join(calls)


def thread_cpu_seconds() -> dict[str, float]:
    """CPU time each of this process's threads used so far, by thread name (Linux)."""
    used: Counter[str] = Counter()
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used[f"{name}"] += (int(fields[11]) + int(fields[12])) / tick
    return {name: round(seconds, 1) for name, seconds in used.most_common() if seconds >= 0.1}


class Watchdog(threading.Thread):
    """Records what every thread runs while the GUI thread's timer tick is late.

    Wakes every 2 ms. `held_ms` is how late the watchdog itself woke: when it is about
    as long as the pause, some thread held the GIL all along (a long C call that does
    not release it); when it is short, the GUI thread was busy on its own. `before` is
    the worker's call stack at the watchdog's previous wake, i.e. what it entered.
    """

    def __init__(self, meter: StallMeter, late_ms: float) -> None:
        super().__init__(daemon=True, name="watchdog")
        self.meter = meter
        self.late_ms = late_ms
        self.stopped = threading.Event()
        self.episodes: list[dict] = []  # one per late tick (its worst sample)
        self.gui_samples: Counter[str] = Counter()  # the GUI thread's stack in late ticks
        self._gui = threading.main_thread().ident

    def _stacks(self) -> tuple[str, str]:
        frames = sys._current_frames()
        gui = _where(frames.get(self._gui), 7)
        others = [
            _where(frame)
            for ident, frame in frames.items()
            if ident not in (self._gui, threading.get_ident())
        ]
        return gui, " | ".join(others)

    def run(self) -> None:
        before = ""
        episode: dict | None = None
        while not self.stopped.is_set():
            slept = time.perf_counter()
            time.sleep(0.002)
            now = time.perf_counter()
            held_ms = (now - slept) * 1000 - 2
            late_ms = (now - self.meter.last_tick) * 1000
            gui, worker = self._stacks()
            if late_ms > self.late_ms and self.meter.running:
                if held_ms <= 10:
                    self.gui_samples[gui] += 1
                if episode is None or episode["tick"] != self.meter.last_tick:
                    episode = {"tick": self.meter.last_tick, "late_ms": 0.0, "held_ms": -1.0}
                    self.episodes.append(episode)
                if held_ms > episode["held_ms"]:
                    episode.update(held_ms=held_ms, gui=gui, worker=worker, before=before)
                episode["late_ms"] = late_ms
            before = worker

    def report(self, top: int = 12) -> None:
        """Print the longest episodes and the most frequent places to stderr."""
        episodes = sorted(self.episodes, key=lambda e: -e["late_ms"])
        print(f"watchdog: {len(episodes)} ticks later than {self.late_ms} ms", file=sys.stderr)
        for episode in episodes[:top]:
            print(
                f"  late {episode['late_ms']:.0f} ms, watchdog held {episode['held_ms']:.0f} ms\n"
                f"    gui:    {episode['gui']}\n"
                f"    worker: {episode['worker']}\n"
                f"    before: {episode['before']}",
                file=sys.stderr,
            )
        print(f"  CPU seconds by thread: {thread_cpu_seconds()}", file=sys.stderr)
        places = Counter(e["worker"].split(" < ")[0] for e in episodes if e["held_ms"] > 10)
        gui = Counter(e["gui"].split(" < ")[0] for e in episodes if e["held_ms"] <= 10)
        print(f"  worker held the GIL: {places.most_common(8)}", file=sys.stderr)
        print(f"  GUI thread busy: {gui.most_common(8)}", file=sys.stderr)
        print("  GUI stacks sampled every 2 ms in late ticks (count: stack):", file=sys.stderr)
        for stack, count in self.gui_samples.most_common(top):
            print(f"    {count}: {stack}", file=sys.stderr)


class HandlerTimes:
    """Wall and CPU time of the GUI thread's handlers that run during a repair."""

    def __init__(self) -> None:
        self.times: dict[str, list[tuple[float, float]]] = {}

    def wrap(self, owner: type, name: str) -> None:
        original = getattr(owner, name)
        label = f"{owner.__name__.rsplit('.', 1)[-1]}.{name}"

        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000
                self.times.setdefault(label, []).append(spent)

        setattr(owner, name, timed)

    def report(self) -> None:
        for label, times in sorted(self.times.items()):
            wall = np.array([t[0] for t in times])
            cpu = np.array([t[1] for t in times])
            print(
                f"  {label}: {len(times)} calls, wall max {wall.max():.1f} ms "
                f"mean {wall.mean():.1f}, CPU max {cpu.max():.1f} mean {cpu.mean():.1f}, "
                f"{int((cpu > 15).sum())} over 15 ms CPU",
                file=sys.stderr,
            )


def paint_damage(document, width: int, height: int) -> None:
    """An object-sized blob and a long scratch, through the document's own brush."""
    cx, cy = width // 2, height // 2
    document.begin_stroke((cx - 120.0, cy), 90.0)
    for step in range(1, 13):
        document.stroke_to((cx - 120.0 + 20 * step, cy + 25.0 * np.sin(step / 2)))
    document.end_stroke()
    document.begin_stroke((width * 0.1, height * 0.2), 6.0)
    document.stroke_to((width * 0.9, height * 0.35))
    document.end_stroke()


def repair_cancel_cycles(app, window, args, events: EventTimes | None = None) -> dict:
    """`args.cycles` repairs, each cancelled after a random delay; the pauses meanwhile."""
    document = window.document
    repair = window.features["repair"]
    paint_damage(document, document.width, document.height)
    app.processEvents()
    pixels = document.pixels.copy()
    mask = document.mask.copy()
    undo_count = document.undo_stack.index()

    def idle() -> bool:
        return repair.repair_job is None and not document.writing and not window.jobs.busy

    # The control: the same window, idle, on the same machine (other programs running).
    control = StallMeter()
    control.start()
    idle_until = time.perf_counter() + args.idle_s
    wait_until(app, lambda: time.perf_counter() > idle_until)
    control.stop()
    idle_gaps = np.array(control.gaps)

    # One whole repair (measured too), then undone: how long a cycle may run.
    meter = StallMeter()
    watchdog = Watchdog(meter, args.late_ms) if args.diagnose else None
    meter.start()
    if watchdog is not None:
        watchdog.start()
    started = time.perf_counter()
    repair.repair()
    wait_until(app, idle)
    whole_s = time.perf_counter() - started
    changed = document.undo_stack.index() == undo_count + 1
    document.undo()
    wait_until(app, idle)
    rng = np.random.default_rng(14)
    stopped = finished = broken = 0
    endings: dict[int, str] = {}
    window.jobs.event.connect(lambda e: e.ended and endings.setdefault(e.job_id, e.kind.value))
    for cycle in range(args.cycles):
        job_id = repair.repair()
        delay = float(rng.uniform(0.0, whole_s))
        cancel_at = time.perf_counter() + delay
        wait_until(app, lambda: time.perf_counter() > cancel_at or idle())  # noqa: B023
        window.jobs.cancel_all()
        wait_until(app, idle)
        meter.pause()  # undoing a finished repair and checking are the benchmark's work
        if document.undo_stack.index() == undo_count + 1:
            finished += 1
            document.undo()
            wait_until(app, idle)
        else:
            stopped += 1
        if args.verbose:
            print(f"cycle {cycle}: delay {delay:.2f} s, {endings.get(job_id)}", file=sys.stderr)
        intact = (
            document.undo_stack.index() == undo_count
            and np.array_equal(document.pixels, pixels)
            and np.array_equal(document.mask, mask)
        )
        broken += not intact
        meter.resume()
    meter.stop()
    if watchdog is not None:
        watchdog.stopped.set()
        watchdog.join()
        watchdog.report()
    if events is not None:
        print(
            "  each pause over 40 ms: the GUI thread's running time, the events it dispatched "
            "and their CPU time, those over 2 ms (collections included)",
            file=sys.stderr,
        )
        ran = [item[1] for item in meter.split]
        if len(ran) != len(meter.gaps):
            ran = [float("nan")] * len(meter.gaps)
        for gap, end, running in zip(meter.gaps, meter.ticks, ran, strict=True):
            if gap > 40:
                begun = end - gap / 1000
                inside = [
                    f"{what} {ms:.0f}" for when, what, ms in events.log if begun < when <= end
                ]
                every = [ms for when, ms in events.small if begun < when <= end]
                print(
                    f"    {gap:.0f} ms, GUI ran {running:.0f}: {len(every)} events, "
                    f"{sum(every):.0f} ms CPU in them; {inside}",
                    file=sys.stderr,
                )
    gaps = np.array(meter.gaps)
    return {
        "cycles": args.cycles,
        "megapixels": round(document.width * document.height / 1e6, 1),
        "engine": args.engine,
        "pause_ms_max": round(float(gaps.max()), 1),
        "pause_ms_p99": round(float(np.percentile(gaps, 99)), 1),
        "pause_ms_p999": round(float(np.percentile(gaps, 99.9)), 1),
        "pauses_over_50ms": int((gaps > 50).sum()),
        "pauses_over_50ms_split": meter.breakdown(50.0),
        "pauses_over_30ms_split": meter.breakdown(30.0),
        "ticks": len(gaps),
        "idle_pause_ms_max": round(float(idle_gaps.max()), 1),
        "idle_pause_ms_p99": round(float(np.percentile(idle_gaps, 99)), 1),
        "idle_pauses_over_50ms_per_min": round(float((idle_gaps > 50).sum()) / args.idle_s * 60, 1),
        "pauses_over_50ms_per_min": round(float((gaps > 50).sum()) / (gaps.sum() / 6e4), 1),
        "whole_repair_s": round(whole_s, 2),
        "repair_changed_photo": changed,
        "stopped_mid_way": stopped,
        "finished_before_cancel": finished,
        "photo_mask_or_undo_broken": broken,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--engine", help="default: telea; patchmatch with --cycles")
    parser.add_argument("--undo-steps", type=int, default=UNDO_STEPS)
    parser.add_argument("--repairs", type=int, default=REPAIRS)
    parser.add_argument(
        "--retouch",
        type=int,
        default=0,
        metavar="STROKES",
        help="measure the clone stamp and healing brush (this many strokes each) instead",
    )
    parser.add_argument(
        "--sync-heal-area",
        type=int,
        default=0,
        help="with --retouch: healing strokes up to this many pixels end on the GUI thread "
        "(default: the tool's SYNC_HEAL_AREA)",
    )
    parser.add_argument("--cycles", type=int, default=0, help="repair/cancel cycles instead")
    parser.add_argument("--diagnose", action="store_true", help="with --cycles: a watchdog")
    parser.add_argument("--late-ms", type=float, default=30.0)
    parser.add_argument("--idle-s", type=float, default=15.0, help="with --cycles: control")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave start-up objects to the collector"
    )
    args = parser.parse_args()
    args.engine = args.engine or ("patchmatch" if args.cycles else "telea")

    with tempfile.TemporaryDirectory() as folder:
        os.environ["RESTORER_CONFIG_DIR"] = str(Path(folder) / "config")
        os.environ["RESTORER_DATA_DIR"] = str(Path(folder) / "data")
        events = EventTimes() if args.diagnose else None
        app = QApplication.instance() or (
            events.application() if events is not None else QApplication([])
        )
        from ui.app import build_window
        from ui.core.theme import apply_theme

        apply_theme(app)
        process = psutil.Process()
        path = Path(folder) / "large.jpg"
        make_photo(path, args.width, args.height)
        handlers = None
        if args.diagnose:
            from ui.canvas.canvas import Canvas
            from ui.document.document import Document
            from ui.features.repair.preview import RepairPreviewer

            handlers = HandlerTimes()
            handlers.wrap(Canvas, "paintEvent")
            handlers.wrap(RepairPreviewer, "_on_preview")
            handlers.wrap(Document, "_write_some")
            handlers.wrap(Document, "apply_outcome")
            handlers.wrap(Document, "undo")
            handlers.wrap(Document, "write_repair_gradually")
            handlers.wrap(Canvas, "_on_pixels_replaced")
            handlers.wrap(Canvas, "set_preview")
            from ui.core.jobs import Jobs
            from ui.features.repair import Repair

            handlers.wrap(Repair, "repair")
            handlers.wrap(Jobs, "cancel_all")
            from ui.document import document as document_module

            for name in ("release_free_memory", "release_free_memory_soon"):
                if hasattr(document_module, name):  # older and newer code
                    handlers.wrap(document_module, name)
        window = build_window()
        window.resize(1600, 1000)
        window.show()
        if not args.no_freeze:
            from ui.app import freeze_start_up

            freeze_start_up(window)  # as `ui.app.create_window` does
        wait_until(app, lambda: window.device_info is not None)
        index = window.engine_combo.findData(args.engine)
        if index >= 0:
            window.engine_combo.setCurrentIndex(index)
        gc.collect()
        rss_before = process.memory_info().rss
        started = time.perf_counter()
        window.open_path(path)
        wait_until(app, lambda: window.document is not None)
        open_s = time.perf_counter() - started
        canvas = window.canvas
        document = window.document
        centre = canvas.rect().center()
        if args.retouch or args.cycles:
            if args.retouch:
                if args.sync_heal_area:
                    from ui.features.retouch import tools

                    tools.SYNC_HEAL_AREA = args.sync_heal_area
                result = measure_retouch(app, window, args.retouch)
                result["megapixels"] = round(args.width * args.height / 1e6, 1)
            else:
                result = repair_cancel_cycles(app, window, args, events)
            if handlers is not None:
                handlers.report()
            if events is not None:
                events.report()
            document.mark_saved()
            window.close()
            app.processEvents()
            print(json.dumps(result))
            return

        times: list[float] = []
        meter = StallMeter()
        steps = 0
        repair_s = []
        stroke_plan = [
            ("fit", 60, 1.0),
            ("fit", 400, 1.0),
            ("100%", 60, 1.0),
            ("100%", 120, 0.3),
            ("fit", 200, 0.5),
        ]
        every = max(1, args.undo_steps // max(1, args.repairs))
        while steps < args.undo_steps:
            kind, size, hardness = stroke_plan[steps % len(stroke_plan)]
            if kind == "fit":
                canvas.fit()
            else:
                canvas.zoom_to(1.0)
                canvas.pan_by(QPoint(-((steps * 37) % 300), (steps * 53) % 200))
            app.processEvents()
            window.features["mask"].brush_size.set_value(size)
            canvas.set_hardness(hardness)
            offset = QPoint(-300 + (steps * 97) % 500, -250 + (steps * 61) % 450)
            stroke(app, canvas, centre + offset, 60, times)
            steps = document.undo_stack.count()
            if args.repairs and steps % every == every - 1:
                meter.start()
                repair_started = time.perf_counter()
                window.features["repair"].repair()
                wait_until(
                    app,
                    lambda: window.features["repair"].repair_job is None and not document.writing,
                )
                repair_s.append(time.perf_counter() - repair_started)
                meter.stop()
                steps = document.undo_stack.count()
        app.processEvents()
        gc.collect()
        rss_after = process.memory_info().rss
        steps_measured = document.undo_stack.count()

        # Heal as you paint: three strokes, each repaired by itself while the next is drawn.
        window.features["mask"].heal.set_enabled(True)
        canvas.zoom_to(1.0)
        app.processEvents()
        window.features["mask"].brush_size.set_value(40)
        repair_gaps = len(meter.gaps)
        meter.start()
        heal_started = time.perf_counter()
        for index in range(3):
            stroke(app, canvas, centre + QPoint(-200 + 150 * index, 120), 20)
        wait_until(app, lambda: not window.features["mask"].heal.busy and not document.writing)
        heal_s = (time.perf_counter() - heal_started) / 3
        meter.stop()
        window.features["mask"].heal.set_enabled(False)

        undo_bytes = 0
        for position in range(steps_measured):
            command = document.undo_stack.command(position)
            for name in ("edit", "pixels", "mask"):
                edit = getattr(command, name, None)
                undo_bytes += edit.nbytes if edit is not None else 0
        image_mb = args.width * args.height * 4 / 2**20
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result = {
            "stroke_ms_p95": round(float(np.percentile(times, 95)), 2),
            "max_stall_ms": round(max(meter.gaps), 1) if meter.gaps else None,
            "rss_mb": round((rss_after - rss_before) / 2**20, 1),
            "image_mb": round(image_mb, 1),
            "rss_limit_mb": round(4 * image_mb, 1),
            # Peak over the baseline: a repair's engine works on whole-photo copies.
            "rss_peak_mb": round(peak_mb - rss_before / 2**20, 1),
            "megapixels": round(args.width * args.height / 1e6, 1),
            "undo_steps": steps_measured,
            "undo_mb": round(undo_bytes / 2**20, 2),
            "original_tiles_mb": round(document.original.nbytes / 2**20, 2),
            "stroke_ms_max": round(max(times), 2),
            "open_s": round(open_s, 2),
            "repair_s_mean": round(float(np.mean(repair_s)), 2) if repair_s else None,
            "heal_s_per_stroke": round(heal_s, 2),
            "max_stall_heal_ms": round(max(meter.gaps[repair_gaps:]), 1),
        }
        document.mark_saved()
        window.close()
        app.processEvents()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
