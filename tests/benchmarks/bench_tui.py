"""Benchmark: how fast the TUI starts, steps and seeks (the targets of issue 11), in one run.

Run:  .venv/bin/python tests/benchmarks/bench_tui.py [--starts N] [--trace SAVED.jsonl]

Three measurements, each printed with its target:

1. First frame on screen, against a minimal Textual app. `python -m tui
   scenarios/04_lock_contention.py` (a program recorded live, as a user opens
   one) and a minimal Textual app (an App that shows one Static) are started
   N times each, alternately, as subprocesses of this one, each in a fresh
   pseudo-terminal of 160x48 with TERM=xterm-256color, by the same code: the
   clock starts just before the spawn and stops when the terminal has
   received the text that only its first frame paints (the app's status line
   `frame 1/`, which it shows once the first frame of the trace is folded;
   the minimal app's own text). Interleaving the two puts any load on the
   machine on both alike; the medians are compared. Target: the app within
   1.5x the minimal app.

2. A step (Right) at about 100,000 frames: the app is opened headless
   (Textual's Pilot) at 160x48 on workload_tui.py (1,000 tasks), recorded live,
   and once the recording is in, a step and a jump to a random frame are timed
   from a random frame, 40 times. Two figures each: the CPU time of the update
   plus the screen paint it causes, and the latency from the action until that
   paint has ended ("until painted": Pilot waits for the screen to settle, the
   screen's refresh timer paints). Target: a step under 16 ms until painted.

3. A seek in a 1,000,000-frame trace: workload_tui.py with 304 rounds, recorded
   once with `python -m tui trace workload_tui.py --json -- 304` into a saved
   trace (kept in the temporary directory while the workload is unchanged, or
   the file given with --trace), opened as a saved trace the way
   `concur-tui saved.jsonl` opens one, and jumped through to 40 random frames,
   timed as in 2. Target: under 50 ms until painted.

The figures are the machine's: on a loaded machine (other processes on its
cores) every one of them grows, the CPU times least.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import hashlib
import os
import pty
import random
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

from textual.screen import Screen

import tui
from tui.app import ConcurApp
from tui.scenarios import bundled_dir
from tui.sources import Settings

HERE = Path(__file__).resolve().parent
WORKLOAD = HERE / "workload_tui.py"
MILLION_ROUNDS = 304
"""Rounds of workload_tui.py that make a little over 1,000,000 frames."""
SIZE = (160, 48)
STARTED_PROGRAM = bundled_dir() / "04_lock_contention.py"
MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("minimal app painted")

Minimal().run()
"""

renders: list[tuple[float, float, float]] = []
"""(start, end, CPU seconds) of each compositor refresh: one screen paint."""
_original_refresh = Screen._compositor_refresh


def _timed_refresh(self: Screen) -> None:
    start, cpu = time.perf_counter(), time.thread_time()
    _original_refresh(self)
    renders.append((start, time.perf_counter(), time.thread_time() - cpu))


Screen._compositor_refresh = _timed_refresh  # type: ignore[method-assign]


def _describe(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    return f"median {statistics.median(ms):5.1f} ms, max {ms[-1]:5.1f} ms"


# -- 1. first frame on screen -------------------------------------------------------------


def _until_painted(argv: list[str], marker: bytes, timeout: float = 30.0) -> float | None:
    """Seconds from spawning `argv` in a 160x48 pseudo-terminal until `marker` reaches the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = dict(os.environ, TERM="xterm-256color", PYTHONPATH=str(Path(tui.__file__).resolve().parents[1]))
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    elapsed = None
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if marker in seen[-len(chunk) - len(marker) :]:
                elapsed = time.perf_counter() - started
                break
    finally:
        process.send_signal(signal.SIGTERM)  # the app leaves as `q` does, its recording with it
        deadline = time.perf_counter() + 5
        while process.poll() is None and time.perf_counter() < deadline:
            if select.select([master], [], [], 0.05)[0]:
                try:
                    os.read(master, 1 << 16)  # keep the terminal drained while it restores it
                except OSError:
                    break
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(master)
    return elapsed


def measure_start(starts: int) -> None:
    python = sys.executable
    app, minimal = [], []
    for _ in range(starts):
        for argv, marker, times in (
            ([python, "-c", MINIMAL_APP], b"minimal app painted", minimal),
            ([python, "-m", "tui", str(STARTED_PROGRAM)], b"frame 1/", app),
        ):
            elapsed = _until_painted(argv, marker)
            if elapsed is None:
                raise SystemExit(f"{argv[1:]} never painted its first frame")
            times.append(elapsed)
    ratio = statistics.median(app) / statistics.median(minimal)
    print(f"first paint  minimal Textual app: {_describe(minimal)}")
    print(f"first paint  python -m tui {STARTED_PROGRAM.name}: {_describe(app)}")
    print(f"first paint  ratio of the medians: {ratio:.2f}x  (target <= 1.5x)")


# -- 2. and 3. stepping and seeking ---------------------------------------------------------


async def _time_moves(app: ConcurApp, pilot, kinds: tuple[str, ...], samples: int = 40) -> dict[str, tuple]:
    screen = app.main
    frames = len(screen.trace)
    rng = random.Random(0)
    results: dict[str, tuple[list[float], list[float]]] = {kind: ([], []) for kind in kinds}
    for _ in range(samples):
        screen.seek(rng.randrange(frames - 1))
        await pilot.pause()
        for kind in kinds:
            renders.clear()
            start, cpu_start = time.perf_counter(), time.thread_time()
            if kind == "step":
                screen.action_step(1)
            else:
                screen.seek(rng.randrange(frames))
            updated, update_cpu = time.perf_counter(), time.thread_time() - cpu_start
            await pilot.pause()
            painted = [r for r in renders if r[0] >= updated]
            cpu, latency = results[kind]
            cpu.append(update_cpu + sum(r[2] for r in painted))
            latency.append((painted[0][1] if painted else updated) - start)
    return results


def _report(label: str, cpu: list[float], latency: list[float], target: str) -> None:
    print(f"{label:<12} CPU (update + paint): {_describe(cpu)}; until painted: {_describe(latency)}  ({target})")


async def _until_loaded(app: ConcurApp, pilot: Any) -> float:
    """Wait until the whole trace is in; the seconds it took."""
    started = time.perf_counter()
    while not app.main.live.finished:
        await pilot.pause(0.05)
    return time.perf_counter() - started


async def measure_steps() -> None:
    app = ConcurApp(WORKLOAD, Settings(max_frames=10_000_000))
    async with app.run_test(size=SIZE) as pilot:
        loaded = await _until_loaded(app, pilot)
        trace = app.main.trace
        actors = len(trace.world.actors)
        print(f"100k trace: {len(trace):,} frames, {actors:,} actors; recorded and loaded in {loaded:.1f} s")
        results = await _time_moves(app, pilot, ("step", "jump"))
        _report("step (100k)", *results["step"], "target < 16 ms until painted")
        _report("jump (100k)", *results["jump"], "no target of its own")
        await pilot.press("q")


def recorded_once(workload: Path, tag: str, program_args: tuple[str, ...] = (), path: Path | None = None) -> Path:
    """A saved trace of `workload` (with `program_args`), recorded now if there is none for this
    version of it yet (named by `tag` and the workload's hash, in the temporary folder)."""
    if path is None:
        digest = hashlib.sha256(workload.read_bytes()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / f"concur-tui-bench-{tag}-{digest}.jsonl"
    if not path.exists():
        print(f"recording {workload.name} {' '.join(program_args)} into {path} (once)...")
        partial = path.with_suffix(".partial")
        command = [sys.executable, "-m", "tui", "trace", str(workload), "--json", "--max-frames", "2000000"]
        with open(partial, "wb") as out:
            subprocess.run([*command, "--", *program_args], stdout=out, check=True)
        partial.rename(path)
    return path


def million_trace(path: Path | None) -> Path:
    """The saved 1,000,000-frame trace (about a minute to record, the first time)."""
    return recorded_once(WORKLOAD, str(MILLION_ROUNDS), (str(MILLION_ROUNDS),), path)


async def measure_seeks(path: Path) -> None:
    app = ConcurApp(path, saved=True)
    async with app.run_test(size=SIZE) as pilot:
        loaded = await _until_loaded(app, pilot)
        trace = app.main.trace
        print(f"1M trace: {len(trace):,} frames, {len(trace.world.actors):,} actors; loaded in {loaded:.1f} s")
        results = await _time_moves(app, pilot, ("jump",))
        _report("seek (1M)", *results["jump"], "target < 50 ms until painted")
        await pilot.press("q")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--starts", type=int, default=7, help="starts of each app to time (default 7)")
    parser.add_argument("--trace", type=Path, help="the saved 1,000,000-frame trace (recorded if missing)")
    args = parser.parse_args()
    saved = million_trace(args.trace)
    measure_start(args.starts)
    asyncio.run(measure_steps())
    asyncio.run(measure_seeks(saved))


if __name__ == "__main__":
    main()
