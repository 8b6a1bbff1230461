"""Profile: where a recording's time goes, per frame.

Run:  .venv/bin/python tests/benchmarks/profile_recording.py [WORKLOAD ...]
      (default: the asyncio, thread hand-off and CPU-bound thread workloads, made smaller)

For each workload, in one run, it records the program three ways in a child
process and prints what each costs per frame (best of 3, CPU time of the
recording process, the output thrown away):

- as concur-tui records it;
- without the closed simulation's audit hook (the hook replaced by nothing,
  here only: a measure of what the audited events the engine itself causes
  cost, such as frame.f_code, sys._getframe() and id());
- with a hook that counts audited events by name and the engine function that
  caused them (the counts printed, the time not).

It prints figures; it asserts nothing (these machines are noisy).
"""

from __future__ import annotations

import json
import os
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
import collections, os, sys
mode, out = sys.argv[1], sys.argv[2]
import tui.engine.recording.main as recording
counts = collections.Counter()
if mode == "no-hook":
    sys.addaudithook = lambda hook: None
elif mode == "count":
    busy = [False]
    def count(event, args):
        if busy[0]:
            return
        busy[0] = True
        try:
            caller = sys._getframe(1)
            where = caller.f_code.co_qualname if caller is not None else "?"
        except ValueError:
            where = "?"
        busy[0] = False
        what = f"{event} {args[1]}" if event == "object.__getattr__" else event
        counts[(what, where)] += 1
    sys.addaudithook(count)
real_exit = os._exit
def leave(code):
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.write(fd, repr((sum(counts.values()), counts.most_common(12))).encode())
    os.close(fd)
    real_exit(code)
recording._real_exit = os._exit = leave
recording.main(sys.argv[3:])
"""


def cpu_of(command: list[str]) -> float:
    """User + system CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def profile(workload: Path) -> None:
    source = workload.read_text(encoding="utf-8")
    if workload.name in _SMALLER:
        source = source.replace(*_SMALLER[workload.name])
    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / workload.name
        program.write_text(source, encoding="utf-8")
        counts_file = Path(folder) / "counts"
        frames_file = Path(folder) / "frames"
        python = sys.executable
        args = [str(program), "--out-fd", "1", "--max-frames", "100000000"]
        with open(frames_file, "wb") as sink:
            subprocess.run([python, "-m", "tui.engine.recording", *args], stdout=sink, check=False)
        with open(frames_file, "rb") as lines:
            frames = sum(1 for _ in lines) - 1
        plain = min(cpu_of([python, str(program)]) for _ in range(3))
        timings = {}
        for mode in ("hook", "no-hook"):
            command = [python, "-c", _RECORD, mode, str(counts_file), *args]
            timings[mode] = min(cpu_of(command) for _ in range(3))
        subprocess.run(
            [python, "-c", _RECORD, "count", str(counts_file), *args], stdout=subprocess.DEVNULL, check=False
        )
        total, counts = eval(counts_file.read_text(encoding="utf-8"))  # our own repr() of numbers and strings
    per_frame = 1e6 / frames
    print(f"\n{workload.name} ({frames:,} frames), CPython {sys.version.split()[0]}")
    print(f"  python FILE:                 {plain * per_frame:7.1f} us of CPU per frame of the recording")
    print(f"  recorded:                    {timings['hook'] * per_frame:7.1f} us per frame")
    print(f"  recorded, no audit hook:     {timings['no-hook'] * per_frame:7.1f} us per frame")
    share = 1 - timings["no-hook"] / timings["hook"]
    print(f"  the audit hook's share:      {share:7.0%}")
    print(f"  audited events the engine causes: {total / frames:.1f} per frame, most of them:")
    for (what, where), n in counts[:8]:
        print(f"    {n / frames:6.1f} per frame  {what}  in {where}")


def main() -> None:
    names = sys.argv[1:] or list(_SMALLER)
    for name in names:
        path = Path(name) if os.sep in name else HERE / name
        profile(path)
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
