"""`concur-tui explore`: schedules searched for the one that breaks a program, and replayed exactly.

Each seeded bug below passes under the default schedule (and, nearly
always, under plain `python`) and fails under some schedule a real CPython
can produce; its fixed version fails under none. A found schedule is saved,
shrunk, and replays to the same failure, frame for frame.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_with_python

pytestmark = pytest.mark.slow  # every test runs recordings in processes of their own

CLI = [sys.executable, "-m", "tui"]

LOCK_ORDER = """\
import threading

checking = threading.Lock()
savings = threading.Lock()

def note(name):
    pass  # a call: a point where CPython may switch threads

def transfer(first, second, name):
    with first:
        note(name)
        with second:
            pass
    print(name, "moved the money")

teller = threading.Thread(target=transfer, args=(checking, savings, "teller"))
auditor = threading.Thread(target=transfer, args=({second}, {first}, "auditor"))
teller.start()
auditor.start()
teller.join()
auditor.join()
"""
DEADLOCKS = LOCK_ORDER.format(first="checking", second="savings")
"""The auditor takes the locks in the opposite order: a deadlock when it takes its first in between."""
LOCKS_IN_ONE_ORDER = LOCK_ORDER.format(first="savings", second="checking")

LOST_UPDATE = """\
import threading

counter = 0
{lock_line}

def pause():
    pass

def work():
    global counter
    for _ in range(3):
        {with_line}
            seen = counter
            pause()
            pause()
            counter = seen + 1

threads = [threading.Thread(target=work) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert counter == 6, f"lost {{6 - counter}} updates"
print(counter)
"""
LOSES_UPDATES = LOST_UPDATE.format(lock_line="", with_line="if True:")
LOCKED_UPDATES = LOST_UPDATE.format(lock_line="lock = threading.Lock()", with_line="with lock:")

ONE_STATEMENT = """\
import threading

counter = 0

def work():
    global counter
    for _ in range(50):
        counter += 1

threads = [threading.Thread(target=work) for _ in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert counter == 150, counter
"""
"""`counter += 1` has no switch point inside on CPython 3.11-3.13: no schedule loses an update."""

APART = """\
import threading

boxes = [[], []]
threads = [threading.Thread(target=box.append, args=(1,)) for box in boxes]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert boxes == [[1], [1]], boxes
"""
"""Threads that share nothing and run no Python code of their own: a cut of their slices is never reached."""

ASYNCIO_ONLY = """\
import asyncio

async def worker(name):
    for _ in range(3):
        await asyncio.sleep(0)
    print(name, "done")

async def main():
    await asyncio.gather(*(worker(name) for name in "abc"))

asyncio.run(main())
"""


def concur(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def explore(tmp_path: Path, path: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / f"{path.stem}-{len(list(tmp_path.iterdir()))}.json"
    done = concur("explore", str(path), "--out", str(out), *options, cwd=tmp_path)
    return done, out


def replay_json(tmp_path: Path, path: Path, schedule: Path) -> tuple[int, list[str]]:
    done = concur("trace", str(path), "--json", "--schedule", str(schedule), cwd=tmp_path)
    return done.returncode, done.stdout.splitlines()


@pytest.mark.parametrize("strategy", ["random", "pct", "dfs"])
def test_each_strategy_finds_the_lock_order_deadlock_and_nothing_once_the_order_is_one(
    tmp_path: Path, strategy: str
) -> None:
    buggy = write(tmp_path, "transfer.py", DEADLOCKS)
    assert "moved the money" in run_with_python(buggy, timeout=30).stdout  # python's own schedule passes
    done, out = explore(tmp_path, buggy, "--strategy", strategy, "--budget", "100")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "deadlock, cycle:" in done.stdout and str(out) in done.stdout
    saved = json.loads(out.read_text())
    assert saved["format"] == "concur-tui-schedule" and saved["outcome"] == "deadlock"
    # Shrunk: the auditor must run in between (one choice) after the teller is cut short (one cut).
    assert sum(1 for answer in saved["schedule"] if answer) <= 2, saved["schedule"]

    fixed = write(tmp_path, "transfer_fixed.py", LOCKS_IN_ONE_ORDER)
    done, out = explore(tmp_path, fixed, "--strategy", strategy, "--budget", "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("No failure in 30 schedules of transfer_fixed.py")
    assert not out.exists()


def test_a_lost_update_is_found_and_its_schedule_replays_to_the_same_frames(tmp_path: Path) -> None:
    buggy = write(tmp_path, "counter.py", LOSES_UPDATES)
    done, out = explore(tmp_path, buggy, "--budget", "100")  # the default strategy: PCT
    assert done.returncode == 1, done.stdout + done.stderr
    assert "exception: AssertionError: lost" in done.stdout
    status, frames = replay_json(tmp_path, buggy, out)
    assert status == 1  # the program's own exception, as `trace` reports one
    summary = json.loads(frames[-1])["summary"]
    assert summary["outcome"] == "exception" and "lost" in summary["report"]["message"]
    again = replay_json(tmp_path, buggy, out)
    assert again == (status, frames)  # byte for byte

    locked = write(tmp_path, "counter_locked.py", LOCKED_UPDATES)
    done, _ = explore(tmp_path, locked, "--budget", "30")
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_schedule_splits_an_update_cpython_never_switches_inside(tmp_path: Path) -> None:
    path = write(tmp_path, "plus_equals.py", ONE_STATEMENT)
    done, _ = explore(tmp_path, path, "--budget", "30", "--strategy", "pct")
    assert done.returncode == 0, done.stdout + done.stderr
    # With a switch allowed between any two instructions, as the language permits, it breaks.
    done, _ = explore(tmp_path, path, "--budget", "100", "--preempt", "any", "--strategy", "random")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AssertionError" in done.stdout


def test_the_same_seed_and_budget_give_the_same_result_on_any_number_of_jobs(tmp_path: Path) -> None:
    buggy = write(tmp_path, "transfer.py", DEADLOCKS)
    one, out_one = explore(tmp_path, buggy, "--budget", "100", "--seed", "2")
    two, out_two = explore(tmp_path, buggy, "--budget", "100", "--seed", "2", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert out_one.read_bytes() == out_two.read_bytes()
    assert one.stdout.replace(str(out_one), "OUT") == two.stdout.replace(str(out_two), "OUT")


def test_a_schedule_for_another_source_or_a_broken_file_is_refused_in_one_line(tmp_path: Path) -> None:
    buggy = write(tmp_path, "transfer.py", DEADLOCKS)
    done, out = explore(tmp_path, buggy, "--budget", "100", "--strategy", "random")
    assert done.returncode == 1
    buggy.write_text(DEADLOCKS + "# edited\n", encoding="utf-8")
    refused = concur("trace", str(buggy), "--schedule", str(out), cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"concur-tui: {out} was made for another version of transfer.py: the source has changed since"
    ]
    broken = write(tmp_path, "broken.json", "{not json")
    refused = concur("trace", str(buggy), "--schedule", str(broken), cwd=tmp_path)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "not a readable schedule file" in refused.stderr


def test_a_program_with_no_decision_points_has_one_schedule_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "tasks.py", ASYNCIO_ONLY)
    done, out = explore(tmp_path, path, "--budget", "500")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("No failure: tasks.py has one schedule only")
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--budget", "0"], "--budget must be from 1"),
        (["--budget", "many"], "--budget needs a whole number"),
        (["--strategy", "bfs"], "invalid choice: 'bfs'"),
        (["--jobs", "-1"], "--jobs must be from 1"),
    ],
)
def test_bad_usage_exits_2_with_one_line(tmp_path: Path, options: list[str], message: str) -> None:
    path = write(tmp_path, "transfer.py", DEADLOCKS)
    done = concur("explore", str(path), *options, cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, done.stderr


def test_the_bundled_check_then_act_lesson_is_found_within_100_schedules(tmp_path: Path) -> None:
    from tui.scenarios import bundled_dir

    lesson = bundled_dir() / "23_check_then_act.py"
    assert run_with_python(lesson, timeout=30).returncode == 0, "python's own schedule does not overdraw"
    done, out = explore(tmp_path, lesson, "--budget", "100")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AssertionError: overdrawn" in done.stdout
    status, frames = replay_json(tmp_path, lesson, out)
    assert status == 1 and json.loads(frames[-1])["summary"]["report"]["type"] == "AssertionError"


NETWORK_ORDER = """\
import asyncio

arrived = []


async def handle(reader, writer):
    arrived.append((await reader.readline()).decode().strip())
    writer.close()


async def client(name, delay):
    await asyncio.sleep(delay)
    reader, writer = await asyncio.open_connection("localhost", 8888)
    writer.write(f"{name}\\n".encode())
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "localhost", 8888)
    async with server:
        await asyncio.gather(client("first", 0.0), client("second", 0.01))
        await asyncio.sleep(0.5)
    assert arrived == ["first", "second"], f"the second client's line came first: {arrived}"
    print(arrived)


asyncio.run(main())
"""

PROCESS_ORDER = """\
import multiprocessing


def work(name, results):
    total = 0
    for i in range(20_000):
        total += i
    results.put(name)


if __name__ == "__main__":
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=work, args=(name, results)) for name in "ab"]
    for worker in workers:
        worker.start()
    order = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    assert order == ["a", "b"], f"b finished first: {order}"
    print(order)
"""


def _fixed(program: str, name: str) -> str:
    """The same program, sorting what arrived before it checks it: no order is wrong any more."""
    return program.replace(f"    assert {name} ==", f"    {name}.sort()\n    assert {name} ==")


@pytest.mark.parametrize("strategy", ["random", "pct", "dfs"])
def test_delivery_times_a_real_network_could_take_are_explored_for_asyncio_streams(
    tmp_path: Path, strategy: str
) -> None:
    buggy = write(tmp_path, "net_order.py", NETWORK_ORDER)
    assert run_with_python(buggy, timeout=30).returncode == 0, "on loopback the first client's line comes first"
    done, out = explore(tmp_path, buggy, "--strategy", strategy, "--budget", "100")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AssertionError: the second client's line came first" in done.stdout
    saved = json.loads(out.read_text())
    status, frames = replay_json(tmp_path, buggy, out)
    summary = json.loads(frames[-1])["summary"]
    assert status == 1 and summary["outcome"] == "exception"
    assert any(kind == "net" for _frame, kind, _answer, _actor in summary["deviations"]), saved["schedule"]
    fixed = write(tmp_path, "net_order_fixed.py", _fixed(NETWORK_ORDER, "arrived"))
    done, _ = explore(tmp_path, fixed, "--strategy", strategy, "--budget", "20")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("strategy", ["random", "pct", "dfs"])
def test_processes_sharing_one_core_are_explored_and_a_fixed_order_check_passes(tmp_path: Path, strategy: str) -> None:
    buggy = write(tmp_path, "proc_order.py", PROCESS_ORDER)
    done, _ = explore(tmp_path, buggy, "--cores", "1", "--strategy", strategy, "--budget", "100")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AssertionError: b finished first" in done.stdout
    fixed = write(tmp_path, "proc_order_fixed.py", _fixed(PROCESS_ORDER, "order"))
    done, _ = explore(tmp_path, fixed, "--cores", "1", "--strategy", strategy, "--budget", "10")
    assert done.returncode == 0, done.stdout + done.stderr


def test_dfs_finds_the_lost_update_with_the_fewest_deviations_and_nothing_once_it_is_locked(tmp_path: Path) -> None:
    buggy = write(tmp_path, "counter.py", LOSES_UPDATES)
    done, out = explore(tmp_path, buggy, "--strategy", "dfs", "--budget", "100")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "exception: AssertionError: lost" in done.stdout
    # Every schedule with one deviation was tried first, and none lost an update: it took two.
    assert sum(1 for answer in json.loads(out.read_text())["schedule"] if answer) == 2
    status, frames = replay_json(tmp_path, buggy, out)
    assert status == 1 and "lost" in json.loads(frames[-1])["summary"]["report"]["message"]

    locked = write(tmp_path, "counter_locked.py", LOCKED_UPDATES)
    done, out = explore(tmp_path, locked, "--strategy", "dfs", "--budget", "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("No failure in 30 schedules of counter_locked.py (dfs, up to 3 deviations")
    assert not out.exists()


def test_dfs_gives_the_same_result_on_one_job_and_on_two(tmp_path: Path) -> None:
    buggy = write(tmp_path, "transfer.py", DEADLOCKS)
    one, out_one = explore(tmp_path, buggy, "--strategy", "dfs", "--budget", "100")
    two, out_two = explore(tmp_path, buggy, "--strategy", "dfs", "--budget", "100", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert out_one.read_bytes() == out_two.read_bytes()
    assert one.stdout.replace(str(out_one), "OUT") == two.stdout.replace(str(out_two), "OUT")


def test_dfs_tries_every_schedule_within_its_bound_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "apart.py", APART)
    done, _ = explore(tmp_path, path, "--strategy", "dfs", "--depth", "1", "--budget", "500", "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("No failure in any of the ")
    assert "schedules of apart.py within 1 deviation from the default (dfs, up to 1 deviation, seed 0)" in done.stdout


def test_the_dfs_reduction_skips_cuts_past_a_slice_end_and_still_finds_the_bug(tmp_path: Path) -> None:
    from tui.engine.settings import Settings
    from tui.explore.search import Search, explore

    def search(path: Path, budget: int, *, reduction: bool) -> Search:
        return Search(str(path), Settings(), budget, "dfs", jobs=2, depth=1, reduction=reduction)

    apart = write(tmp_path, "apart.py", APART)
    reduced = explore(search(apart, 500, reduction=True))
    every = explore(search(apart, 500, reduction=False))
    assert reduced.failing is None and every.failing is None
    # The same tree either way; unreduced, each slice is cut at every point up to MAX_CUT.
    assert every.tried > 2 * reduced.tried, (reduced.tried, every.tried)
    assert reduced.distinct == every.distinct  # what was skipped repeated a run, bit for bit

    buggy = write(tmp_path, "transfer.py", DEADLOCKS)
    reduced = explore(replace(search(buggy, 200, reduction=True), depth=3))
    every = explore(replace(search(buggy, 200, reduction=False), depth=3))
    assert reduced.failing is not None and every.failing is not None
    assert reduced.failing.kind == every.failing.kind == "deadlock"
    assert reduced.tried < every.tried, (reduced.tried, every.tried)
