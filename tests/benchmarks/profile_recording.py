"""Profile: where a recording's time goes, per frame.

Run:  .venv/bin/python tests/benchmarks/profile_recording.py [WORKLOAD ...]
      (default: the asyncio, thread hand-off and CPU-bound thread workloads, made smaller)

For each workload, in one run, it records the program in a child process and
prints (best of 3, CPU time of the recording process, the output thrown away):

- what `python FILE` costs, and what the recording costs, per frame;
- what the recording costs with the CPU counter off (threads only switch
  where they block then): the share of counting the program's instructions;
- a cProfile of one more recording (every thread of it profiled, the
  profiles merged): the functions with the most time of their own, as shares
  of the profiled total. cProfile adds a cost to every Python call, so the
  shares lean towards functions that make many small calls; the time spent
  in the CPU counter's callbacks is not seen by cProfile at all. On 3.12+
  the profile is left out: there `sys.setprofile` runs on `sys.monitoring`,
  as the CPU counter does, and a recording profiled that way hangs.

It prints figures; it asserts nothing (these machines are noisy).
"""

from __future__ import annotations

import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

_SMALLER = {
    "workload_asyncio.py": ("ROUNDS = 1000", "ROUNDS = 200"),
    "workload_threads.py": ("ITEMS = 5000", "ITEMS = 1000"),
    "workload_cpu_threads.py": ("ITERATIONS = 1_000_000", "ITERATIONS = 300_000"),
}

_RECORD = """
import cProfile, os, pstats, sys, _thread
mode, out = sys.argv[1], sys.argv[2]
profiles = []
if mode == "profile":
    real_start = _thread.start_new_thread
    def start(func, args=(), kwargs={}):
        profile = cProfile.Profile()
        profiles.append(profile)
        def run(*a, **k):
            profile.enable()
            try:
                return func(*a, **k)
            finally:
                profile.disable()
        return real_start(run, args, kwargs)
    _thread.start_new_thread = start
import tui.engine.recording.main
recording = sys.modules["tui.engine.recording.main"]
if mode == "uncounted":
    from tui.engine.threads.kernel import Kernel
    Kernel.start_counting = Kernel.trace_current_thread = lambda self: None
real_exit = os._exit
def leave(code):
    stats = None
    for profile in profiles:
        profile.create_stats()
        if profile.stats:
            stats = pstats.Stats(profile) if stats is None else (stats.add(profile) or stats)
    if stats is not None:
        stats.dump_stats(out)
    real_exit(code)
recording._real_exit = os._exit = leave
if mode == "profile":
    main_profile = cProfile.Profile()
    profiles.append(main_profile)
    main_profile.enable()
recording.main(sys.argv[3:])
"""


def cpu_of(command: list[str]) -> float:
    """User + system CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def own_time_shares(stats_file: Path, top: int) -> list[tuple[float, str]]:
    """(share of the profiled time, function) for the `top` functions with the most time of their own."""
    stats = pstats.Stats(str(stats_file))
    rows = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    # Wall time, not work: a thread waiting for the baton, the watchdog between its looks, and its
    # look at the memory gauge (a pread that waits for the GIL back while the program runs).
    waiting = {
        "<built-in method time.sleep>",
        "<method 'acquire' of '_thread.lock' objects>",
        "<built-in method posix.pread>",
    }
    own = []
    for (filename, line, name), (_, _, tottime, _, _) in rows.items():
        if filename == "~" and name in waiting:
            continue
        where = f"{Path(filename).name}:{line}" if filename != "~" else ""
        own.append((tottime, f"{name} {where}".strip()))
    total = sum(t for t, _ in own) or 1.0
    own.sort(reverse=True)
    return [(t / total, name) for t, name in own[:top]]


def profile(workload: Path) -> None:
    source = workload.read_text(encoding="utf-8")
    if workload.name in _SMALLER:
        source = source.replace(*_SMALLER[workload.name])
    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / workload.name
        program.write_text(source, encoding="utf-8")
        stats_file = Path(folder) / "stats"
        frames_file = Path(folder) / "frames"
        python = sys.executable
        args = [str(program), "--out-fd", "1", "--max-frames", "100000000"]
        with open(frames_file, "wb") as sink:
            subprocess.run([python, "-m", "tui.engine.recording", *args], stdout=sink, check=False)
        with open(frames_file, "rb") as lines:
            frames = sum(1 for _ in lines) - 1
        plain = min(cpu_of([python, str(program)]) for _ in range(3))
        timings = {}
        for mode in ("recorded", "uncounted"):
            command = [python, "-c", _RECORD, mode, str(stats_file), *args]
            timings[mode] = min(cpu_of(command) for _ in range(3))
        shares = []
        if sys.version_info < (3, 12):
            subprocess.run(
                [python, "-c", _RECORD, "profile", str(stats_file), *args], stdout=subprocess.DEVNULL, check=False
            )
            shares = own_time_shares(stats_file, 10)
    per_frame = 1e6 / frames
    print(f"\n{workload.name} ({frames:,} frames), CPython {sys.version.split()[0]}")
    print(f"  python FILE:                 {plain * per_frame:7.1f} us of CPU per frame of the recording")
    print(f"  recorded:                    {timings['recorded'] * per_frame:7.1f} us per frame")
    print(f"  recorded, no CPU counter:    {timings['uncounted'] * per_frame:7.1f} us per frame")
    counting = 1 - timings["uncounted"] / timings["recorded"]
    print(f"  the CPU counter's share:     {counting:7.0%}")
    if not shares:
        print("  (no profile on 3.12+: see the docstring)")
        return
    print("  the functions with the most time of their own (cProfile, shares of the profiled total):")
    for share, name in shares:
        print(f"    {share:6.1%}  {name}")


def main() -> None:
    names = sys.argv[1:] or list(_SMALLER)
    for name in names:
        path = Path(name) if os.sep in name else HERE / name
        profile(path)
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
