"""Benchmark: the CPU cost model's virtual time against CPython's wall time, lesson by lesson.

Run:  .venv/bin/python tests/benchmarks/bench_cpu_model.py              (this Python)
      .venv/bin/python tests/benchmarks/bench_cpu_model.py --versions   (every tested CPython found here)

For each CPU lesson, the program runs under plain `python` (its imports done
before the clock starts: an import costs no virtual time) and is recorded
with as many simulated cores as this machine has (its wall times are this
machine's: four processes on two cores take twice as long);
the ratio is the recording's virtual time over the best of three wall
times. The target is a ratio between 0.5 and 2 on the CPU lessons (16, 17,
18). Lessons 14 and 15 are shown too: starting threads and processes is most
of their time, so they measure those costs, not the bytecode cost. The
logging workload compares a count of work done in 0.1 s instead. Prints
figures measured in this one run; nothing here is asserted by the test
suite (these machines are noisy).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CPU_LESSONS = ["16_pool_map.py", "17_threads_vs_processes.py", "18_lost_update.py"]
START_LESSONS = ["14_process_doubler.py", "15_thread_doubler.py"]
LOGGING = HERE / "workload_logging.py"

_TIMED_RUN = textwrap.dedent(
    """
    import ast, importlib, runpy, sys, time
    path = sys.argv[1]
    for node in ast.walk(ast.parse(open(path).read())):  # imports cost no virtual time: do them first
        if isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            importlib.import_module(node.module)
    started = time.perf_counter()
    runpy.run_path(path, run_name="__main__")
    print("WALL", time.perf_counter() - started, file=sys.stderr)
    """
)


def wall_time(path: Path) -> tuple[float, str]:
    """Best of three wall times of the program under this CPython, and its output."""
    best, output = float("inf"), ""
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", _TIMED_RUN, str(path)], capture_output=True, text=True, cwd=path.parent, check=True
        )
        wall = float(done.stderr.rsplit("WALL", 1)[1])
        if wall < best:
            best, output = wall, done.stdout
    return best, output


def recorded(path: Path) -> tuple[float, str]:
    """Virtual time of the program's recording, and its output."""
    sys.path.insert(0, str(REPO))
    from tui.sources import Recording, Settings
    from tui.trace.model import load_lines

    # As many simulated cores as this machine has: the wall times are measured on it.
    trace = load_lines(Recording(str(path), Settings(cores=os.cpu_count() or 1)).lines())
    summary = trace.summary
    return float(summary["virtual_time"]), "".join(summary.get("stdout") or "")


def made(output: str) -> int:
    found = re.search(r"made (\d+) items", output)
    return int(found.group(1)) if found else 0


def main() -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from tui.scenarios import bundled_dir

    print(f"CPython {platform.python_version()}")
    figures: dict[str, float] = {}
    for name in CPU_LESSONS + START_LESSONS:
        path = bundled_dir() / name
        wall, _ = wall_time(path)
        virtual, _ = recorded(path)
        figures[name] = virtual / wall
        kind = "CPU lesson" if name in CPU_LESSONS else "start-up costs"
        print(f"{name:28} python {wall:7.3f}s  virtual {virtual:7.3f}s  ratio {virtual / wall:5.2f}  ({kind})")
    _, plain = wall_time(LOGGING)
    _, simulated = recorded(LOGGING)
    figures["logging"] = made(simulated) / max(1, made(plain))
    print(
        f"{'logging producer, 0.1 s':28} python {made(plain):6} items  recorded {made(simulated):6} items  "
        f"ratio {figures['logging']:5.2f}"
    )
    inside = [figures[name] for name in CPU_LESSONS]
    print(f"CPU lessons within 2x of CPython: {sum(0.5 <= r <= 2 for r in inside)} of {len(inside)}")
    return figures


def every_version() -> None:
    """The benchmark under each tested CPython in turn, then one table of all of them."""
    sys.path.insert(0, str(HERE))
    from bench_recording import figures_of_every_version

    rows = figures_of_every_version(__file__)
    names = CPU_LESSONS + START_LESSONS + ["logging"]
    print("\n| CPython | " + " | ".join(name.split("_", 1)[0] if name[0].isdigit() else name for name in names) + " |")
    print("|---|" + "---|" * len(names))
    for version, figures in rows:
        print(f"| {version} | " + " | ".join(f"{figures[name]:.2f}" for name in names) + " |")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    from bench_recording import run_benchmark

    run_benchmark(main, every_version)
