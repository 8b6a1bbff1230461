"""The bundled lessons: each one records cleanly and shows what its docstring promises.

Every scenario is recorded once per session (through the real recording
process, as the app does) and the facts each lesson teaches are read back
from its frames: times, who waited on what, who woke whom, what was printed.
"""

from __future__ import annotations

import ast
import asyncio
import itertools
import os
import re
import runpy
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import SCENARIOS, record
from listing_helpers import LinesOnly, expected_listing, streamed_plain

from tui import scenarios as bundled
from tui.sources import Settings
from tui.trace.codec import encode_summary
from tui.trace.model import Trace
from tui.trace.narrate import narrate
from tui.trace.state import World

pytestmark = pytest.mark.slow

REQUIRED_LESSONS = [
    "01_event_loop.py",
    "02_tasks_and_futures.py",
    "03_gather_wait_as_completed.py",
    "04_lock_contention.py",
    "05_semaphore_downloads.py",
    "06_event.py",
    "07_condition.py",
    "08_bounded_queue.py",
    "09_timeouts_and_cancellation.py",
    "10_taskgroup_errors.py",
    "11_deadlock.py",
    "12_blocking_call.py",
    "13_run_in_executor.py",
    "14_process_doubler.py",
    "15_thread_doubler.py",
    "16_pool_map.py",
    "17_threads_vs_processes.py",
    "18_lost_update.py",
    "19_thread_deadlock.py",
    "20_echo_server.py",
    "21_threaded_downloads.py",
    "22_eager_tasks.py",
]
EXPECTED_FILES = sorted(p.name for p in SCENARIOS.glob("*.py"))
EXPECTED_OUTCOME = {"11_deadlock.py": "deadlock", "19_thread_deadlock.py": "deadlock"}
DEFAULT_MAX_FRAMES = Settings().max_frames


# -- recording once per session ------------------------------------------------------------


@pytest.fixture(scope="module")
def traces() -> dict[str, Trace]:
    """Every scenario recorded once, the recording processes run side by side."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        recorded = pool.map(lambda name: record(SCENARIOS / name), EXPECTED_FILES)
        return dict(zip(EXPECTED_FILES, recorded, strict=True))


# -- reading a trace ------------------------------------------------------------------------


def final(trace: Trace) -> World:
    return trace.state_at(len(trace) - 1)


def task_id(trace: Trace, name: str) -> str:
    """The id of the task or thread called `name` (its final name: renames are folded in)."""
    found = [a.id for a in final(trace).actors.values() if a.name == name]
    assert len(found) == 1, f"expected one actor called {name!r}, found {found}"
    return found[0]


def resource_id(trace: Trace, kind: str, name: str | None = None) -> str:
    found = [r.id for r in final(trace).resources.values() if r.kind == kind and (name is None or r.name == name)]
    assert len(found) == 1, f"expected one {kind} called {name!r}, found {found}"
    return found[0]


def frames_of(trace: Trace, actor: str) -> list[dict[str, Any]]:
    return [trace.frame(i) for i in trace.frames_of(actor)]


def end_frame(trace: Trace, actor: str) -> dict[str, Any]:
    """The frame in which a task finished (done, failed or cancelled)."""
    ends = [f for f in frames_of(trace, actor) if f.get("st") in ("done", "failed", "cancelled")]
    assert len(ends) == 1, f"{actor} should end exactly once"
    return ends[0]


def printed(trace: Trace) -> list[tuple[int, str]]:
    """(frame index, line) for every line the program printed to stdout."""
    return [(i, line) for i, stream, text in trace.output if stream == "out" for line in text.splitlines()]


def lines_matching(trace: Trace, pattern: str) -> list[re.Match[str]]:
    return [m for _, line in printed(trace) if (m := re.fullmatch(pattern, line))]


def states(trace: Trace, rid: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(frame index, state) each time resource `rid` changed."""
    for i in range(len(trace)):
        state = trace.frame(i).get("set", {}).get(rid)
        if state is not None:
            yield i, state


def timer_frames(trace: Trace, owner: str, label: str = "sleep") -> list[dict[str, Any]]:
    return [
        f
        for f in trace.frames()
        if f["k"] == "timer" and f.get("n") == label and f["why"][0] == "timer" and f["why"][2] == owner
    ]


def user_tasks(trace: Trace) -> list[str]:
    return [a.name for a in final(trace).tasks() if not a.internal]


# -- every scenario ------------------------------------------------------------------------


def test_the_bundled_set_holds_every_required_lesson() -> None:
    assert set(REQUIRED_LESSONS) <= set(EXPECTED_FILES)
    assert bundled.default_path().name == "04_lock_contention.py"
    assert bundled.default_path().exists()


@pytest.mark.parametrize("name", EXPECTED_FILES)
def test_scenario_is_a_plain_program_and_records(name: str, traces: dict[str, Trace]) -> None:
    path: Path = SCENARIOS / name
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)

    doc = ast.get_docstring(tree)
    assert doc, "a module docstring holds the title and the lesson"
    title, *rest = doc.splitlines()
    assert title.strip() and len(title) <= 50 and not title.endswith("."), "a short menu title"
    assert rest and rest[0] == "", "a blank line separates the title from the lesson text"
    assert len(" ".join(rest).split()) >= 40, "the lesson text explains what to watch for"
    assert bundled.summary_of(path) == title

    guard = tree.body[-1]
    assert isinstance(guard, ast.If) and ast.unparse(guard.test) == "__name__ == '__main__'"
    assert [ast.unparse(s) for s in guard.body] in (["asyncio.run(main())"], ["main()"])
    assert any(isinstance(n, (ast.AsyncFunctionDef, ast.FunctionDef)) and n.name == "main" for n in tree.body)
    assert len(source.splitlines()) <= 70, "lessons stay short"

    trace = traces[name]
    summary = trace.summary
    assert summary is not None
    assert summary["outcome"] == EXPECTED_OUTCOME.get(name, "completed"), summary.get("report")
    assert summary["frames"] == len(trace) < DEFAULT_MAX_FRAMES
    assert trace.header["lesson"] == ast.get_docstring(tree, clean=False)
    if summary["outcome"] == "completed" and "asyncio.run(main())" in source:
        assert summary["result"] not in (None, "None"), "main() returns something worth showing"
    if name != "01_event_loop.py":  # lesson 1 shows the never-awaited warning on purpose
        assert summary["stderr"] == ""


@pytest.mark.parametrize("name", EXPECTED_FILES)
def test_every_frame_can_be_narrated(name: str, traces: dict[str, Trace]) -> None:
    trace = traces[name]
    world = World()
    for frame in trace.frames():
        world.apply(frame)
        sentence = narrate(frame, world)
        assert sentence.endswith(".") and "None" not in sentence.replace("'None'", "")


@pytest.mark.parametrize("name", EXPECTED_FILES)
def test_the_streamed_listing_is_the_listing_of_the_whole_trace(
    name: str, traces: dict[str, Trace], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`concur-tui trace LESSON` folds as it goes (tests/test_listing.py); it says what the whole Trace says."""
    trace = traces[name]
    assert trace.summary is not None
    lines = [trace.line(i) for i in range(len(trace))] + [encode_summary(trace.summary)]
    assert streamed_plain(LinesOnly(lines), monkeypatch) == expected_listing(lines)


def test_recording_is_deterministic(traces: dict[str, Trace]) -> None:
    name = "04_lock_contention.py"
    first, again = traces[name], record(SCENARIOS / name)
    assert len(again) == len(first)
    assert [again.line(i) for i in range(len(again))] == [first.line(i) for i in range(len(first))]
    assert again.summary == first.summary


def test_threads_interleave_the_same_way_every_time(traces: dict[str, Trace]) -> None:
    """Lesson 13 runs two worker threads: their scheduling, down to the executor's
    shutdown (which joins threads kept in a set), must not vary either."""
    name = "13_run_in_executor.py"
    first = traces[name]
    for _ in range(3):
        again = record(SCENARIOS / name)
        assert [again.line(i) for i in range(len(again))] == [first.line(i) for i in range(len(first))]
        assert again.summary == first.summary


# -- the same output as `python FILE` -------------------------------------------------------

# What these print under CPython does not depend on chance: a recording prints the same.
SAME_OUTPUT_AS_CPYTHON = [
    *(f for f in EXPECTED_FILES if f < "14"),  # asyncio: times come from sleeps, not from the machine
    "19_thread_deadlock.py",
    "22_eager_tasks.py",
    "23_check_then_act.py",  # the race's window is a few instructions: CPython (nearly) never overdraws
]
# These print pids, ports, wall times or a race's result, which differ from run to run
# under CPython itself: the same lines, with the numbers in them masked, in any order.
SAME_LINES_BUT_NUMBERS = [
    "14_process_doubler.py",
    "16_pool_map.py",
    "17_threads_vs_processes.py",
    "18_lost_update.py",
    "20_echo_server.py",
    "21_threaded_downloads.py",
]
# 15 prints from five threads at once: under CPython two lines can run into one.


def plain_python_stdout(name: str) -> str:
    """What `python -u FILE` prints on this CPython (a deadlocked lesson: until it is stopped)."""
    command = [sys.executable, "-u", str(SCENARIOS / name)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=5 if "deadlock" in name else 120, env=env
        )
    except subprocess.TimeoutExpired as stopped:
        output = stopped.stdout or b""
        return output.decode() if isinstance(output, bytes) else output
    return done.stdout


def masked(text: str) -> list[str]:
    """The lines, each number (1,234 or 0.005 too) shown as N, in sorted order."""
    return sorted(re.sub(r"\d[\d,.]*", "N", line) for line in text.splitlines())


def masked_words(text: str) -> list[str]:
    """Words and numbers (as N), whatever separates them: lines printed at once can merge."""
    return [re.sub(r"\d[\d,.]*", "N", word) for word in re.findall(r"[A-Za-z_]+|\d[\d,.]*", text)]


@pytest.fixture(scope="module")
def plain_outputs() -> dict[str, str]:
    names = SAME_OUTPUT_AS_CPYTHON + SAME_LINES_BUT_NUMBERS
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(names, pool.map(plain_python_stdout, names), strict=True))


@pytest.mark.parametrize("name", SAME_OUTPUT_AS_CPYTHON)
def test_lesson_prints_exactly_what_cpython_prints(name: str, traces, plain_outputs) -> None:
    if name != "19_thread_deadlock.py":  # its threads deadlock before either prints
        assert plain_outputs[name], "the lesson prints something under CPython"
    assert traces[name].summary["stdout"] == plain_outputs[name]


@pytest.mark.parametrize("name", SAME_LINES_BUT_NUMBERS)
def test_lesson_prints_the_lines_cpython_prints(name: str, traces, plain_outputs) -> None:
    assert plain_outputs[name], "the lesson prints something under CPython"
    recorded = traces[name].summary["stdout"]
    if name == "14_process_doubler.py":
        # Five processes print at once: under CPython their lines can run into
        # each other, so compare the words.
        assert sorted(masked_words(recorded)) == sorted(masked_words(plain_outputs[name]))
    else:
        assert masked(recorded) == masked(plain_outputs[name])


def test_every_lesson_is_compared_with_cpython() -> None:
    compared = set(SAME_OUTPUT_AS_CPYTHON) | set(SAME_LINES_BUT_NUMBERS) | {"15_thread_doubler.py"}
    assert compared == set(EXPECTED_FILES)


# -- one lesson each -------------------------------------------------------------------------


def test_01_coroutines_run_only_when_awaited(traces: dict[str, Trace]) -> None:
    trace = traces["01_event_loop.py"]
    assert trace.summary["virtual_time"] == pytest.approx(1 + 2)  # tea, then coffee
    assert trace.summary["result"] == "['tea', 'coffee']"
    stdout = trace.summary["stdout"]
    assert "start cocoa" not in stdout and "cocoa ready" not in stdout
    assert "coroutine 'brew' was never awaited" in trace.summary["stderr"]
    # Awaiting a coroutine starts no task: main's task is the only one of the program.
    assert user_tasks(trace) == ["Task-1"]
    starts = {m[1]: float(m[2]) for m in lines_matching(trace, r"start (\w+) at t=(\d+)s")}
    readies = {m[1]: float(m[2]) for m in lines_matching(trace, r"(\w+) ready at t=(\d+)s")}
    assert starts == {"tea": 0, "coffee": 1} and readies == {"tea": 1, "coffee": 3}


def test_02_tasks_overlap_and_futures_are_resolved_by_others(traces: dict[str, Trace]) -> None:
    trace = traces["02_tasks_and_futures.py"]
    main, soup, bread, courier = (task_id(trace, n) for n in ("Task-1", "soup", "bread", "courier"))
    # Two tasks sleeping 2 s and 1 s side by side: 2 s in all, not 3 s.
    assert trace.summary["virtual_time"] == pytest.approx(max(2, 1))
    assert end_frame(trace, soup)["t"] == 2 and end_frame(trace, bread)["t"] == 1
    # create_task() only schedules: main's first step ends before either task starts.
    first_main = trace.frames_of(main)[0]
    assert first_main < trace.frames_of(soup)[0] and first_main < trace.frames_of(bread)[0]
    assert "two tasks created; neither has started yet" in trace.frame(first_main).get("out", "")

    futures = {r.raw.get("result"): r.id for r in final(trace).resources.values() if r.kind == "Future"}
    parcel, doorbell = futures["'spices'"], futures["'ding dong'"]
    wakes = [f for f in frames_of(trace, main) if f["why"][0] == "wake"]
    assert [(f["t"], f["why"][1], f["why"][2]) for f in wakes[:2]] == [
        (0.5, parcel, courier),  # a task resolved the first future
        (1.5, doorbell, "cb"),  # a call_later callback resolved the second
    ]
    assert [f.get("on") for f in frames_of(trace, main)[:2]] == [parcel, doorbell]


def test_03_gather_keeps_argument_order_as_completed_follows_finish_order(traces: dict[str, Trace]) -> None:
    trace = traces["03_gather_wait_as_completed.py"]
    jobs = runpy.run_path(str(SCENARIOS / "03_gather_wait_as_completed.py"))["JOBS"]
    argument_order = [name for name, _ in jobs]
    finish_order = [name for name, _ in sorted(jobs, key=lambda job: job[1])]
    assert argument_order != finish_order
    longest, shortest = max(s for _, s in jobs), min(s for _, s in jobs)

    gather_ends = sorted((end_frame(trace, task_id(trace, f"gather-{n}"))["i"], n) for n in argument_order)
    assert [n for _, n in gather_ends] == finish_order  # the tasks finished fastest first...
    (gathered,) = lines_matching(trace, r"gather: (.*) at t=(\d+)s")
    assert gathered[1] == repr(argument_order) and float(gathered[2]) == longest  # ...gather kept their order

    (waited,) = lines_matching(trace, r"wait: done=(.*) at t=(\d+)s, (\d) pending")
    assert waited[1] == repr(finish_order[:1]) and float(waited[2]) == longest + shortest
    assert int(waited[3]) == len(jobs) - 1
    for name in finish_order[1:]:
        assert end_frame(trace, task_id(trace, f"wait-{name}"))["st"] == "cancelled"

    completed = lines_matching(trace, r"as_completed: (\w+) at t=(\d+)s")
    start = longest + shortest
    assert [(m[1], float(m[2])) for m in completed] == [(n, start + s) for n, s in sorted(jobs, key=lambda j: j[1])]
    assert trace.summary["virtual_time"] == pytest.approx(longest + shortest + longest)


def test_04_lock_waiters_queue_up_and_get_the_lock_first_come_first_served(traces: dict[str, Trace]) -> None:
    trace = traces["04_lock_contention.py"]
    lock = resource_id(trace, "Lock", "lock")
    workers = {task_id(trace, f"worker-{n}"): f"worker-{n}" for n in range(1, 5)}
    assert len(trace) < 80, "the default scenario stays short enough to step through"

    # Who waited, in the order they started waiting; every wait is behind another owner.
    arrivals: list[str] = []
    for i in range(len(trace)):
        frame = trace.frame(i)
        if frame.get("st") == "wait" and frame.get("on") == lock:
            owner = trace.state_at(i).resources[lock].raw["owner"]
            assert owner in workers and owner != frame["a"]
            assert f"held by {workers[owner]}" in frame["wait"]
            arrivals.append(frame["a"])
    assert [workers[a] for a in arrivals] == ["worker-3", "worker-4", "worker-2"]  # not name order
    assert max(len(trace.state_at(i).waiters(lock)) for i in range(len(trace))) == len(workers) - 1

    # Who owned the lock, in order, and how it was handed on.
    owners = [(i, s["owner"]) for i, s in states(trace, lock) if s["locked"]]
    assert [workers[o] for _, o in owners] == ["worker-1", *[workers[a] for a in arrivals]]
    for (_, previous), (i, owner) in itertools.pairwise(owners):
        assert trace.frame(i)["a"] == owner
        assert trace.frame(i)["why"] == ["wake", lock, previous]  # the release woke exactly this waiter

    # Serialised critical sections: 1 s each, one after another; no update lost.
    assert trace.summary["virtual_time"] == pytest.approx(len(workers) * 1)
    assert trace.summary["result"] == repr(10 + 20 + 30 + 40)


def test_05_semaphore_never_admits_more_than_two(traces: dict[str, Trace]) -> None:
    trace = traces["05_semaphore_downloads.py"]
    files = runpy.run_path(str(SCENARIOS / "05_semaphore_downloads.py"))["FILES"]
    slots = resource_id(trace, "Semaphore", "slots")

    seen = list(states(trace, slots))
    assert all(len(s["holders"]) <= 2 and 0 <= s["value"] <= 2 for _, s in seen)
    assert max(len(s["holders"]) for _, s in seen) == 2
    waiting = max(len(trace.state_at(i).waiters(slots)) for i in range(len(trace)))
    assert waiting == len(files) - 2

    # From the printed start/done times: never more than two downloads in flight at once.
    pattern = r"(\S+): (start|done) at t=(\S+)s"
    changes = [(float(m[3]), 1 if m[2] == "start" else -1) for m in lines_matching(trace, pattern)]
    in_flight, peak = 0, 0
    for _, change in sorted(changes):  # at equal times a finish (-1) counts before a start
        in_flight += change
        peak = max(peak, in_flight)
    assert peak == 2

    # Two slots handed on first come, first served: a greedy two-lane schedule of FILES.
    lanes = [0.0, 0.0]
    for _, seconds in files:
        lane = lanes.index(min(lanes))
        lanes[lane] += seconds
    assert trace.summary["virtual_time"] == pytest.approx(max(lanes))
    starts = [m[1] for m in lines_matching(trace, r"(\S+): start at t=\S+s")]
    assert starts == [name for name, _ in files]


def test_06_one_set_wakes_every_waiter(traces: dict[str, Trace]) -> None:
    trace = traces["06_event.py"]
    event = resource_id(trace, "Event", "start_gun")
    starter, latecomer = task_id(trace, "starter"), task_id(trace, "latecomer")
    runners = [task_id(trace, n) for n in ("ann", "bob", "cy")]

    (set_at,) = [i for i, s in states(trace, event) if s["set"]]
    assert trace.frame(set_at)["a"] == starter and trace.frame(set_at)["t"] == 1
    before = trace.state_at(set_at - 1)
    assert [a.id for a in before.waiters(event)] == runners
    woken = [f for f in trace.frames() if f.get("why") == ["wake", event, starter]]
    assert [f["a"] for f in woken] == runners and {f["t"] for f in woken} == {1}
    # The event stays set: the latecomer's wait() returns at once.
    assert not any(f.get("on") == event for f in frames_of(trace, latecomer))
    assert end_frame(trace, latecomer)["t"] == 2
    assert trace.summary["virtual_time"] == pytest.approx(2) and trace.summary["result"] == "True"


def test_07_notify_one_wakes_one_notify_all_wakes_the_rest(traces: dict[str, Trace]) -> None:
    trace = traces["07_condition.py"]
    cond = resource_id(trace, "Condition", "cond")
    kitchen = task_id(trace, "kitchen")
    diners = [task_id(trace, n) for n in ("ann", "bob", "cy")]

    first_notify = next(i for i, f in enumerate(trace.frames()) if f["a"] == kitchen and f["t"] == 1)
    assert [a.id for a in trace.state_at(first_notify - 1).waiters(cond, "notify")] == diners
    woken = [(f["t"], f["a"]) for f in trace.frames() if f.get("why", [])[:3] == ["wake", cond, kitchen]]
    assert woken == [(1, diners[0]), (2, diners[1]), (2, diners[2])]  # notify(1), then notify_all()
    assert [a.id for a in trace.state_at(first_notify + 1).waiters(cond, "notify")] == diners[1:]
    # Woken by notify_all(), bob and cy queue for the lock the kitchen still holds.
    lock = resource_id(trace, "Lock", "cond.lock")
    queued = [(f["a"], f["on"], f["t"]) for f in trace.frames() if f.get("st") == "wait" and f.get("on") == lock]
    assert queued == [(diners[1], lock, 2), (diners[2], lock, 2)]
    released = [(f["a"], f["why"][2]) for f in trace.frames() if f.get("why", [])[:2] == ["wake", lock]]
    assert released == [(diners[1], kitchen), (diners[2], diners[1])]  # one at a time
    eaten = [(m[1], m[2], float(m[3])) for m in lines_matching(trace, r"(\w+) eats (\w+) at t=([\d.]+)s")]
    assert eaten == [("ann", "soup", 1), ("bob", "pasta", 2.5), ("cy", "pie", 2.5)]
    assert trace.summary["virtual_time"] == pytest.approx(2.5, abs=1e-3)  # plus a few microseconds of CPU


def test_08_bounded_queue_applies_back_pressure(traces: dict[str, Trace]) -> None:
    trace = traces["08_bounded_queue.py"]
    queue = resource_id(trace, "Queue", "queue")
    producer = task_id(trace, "producer")
    consumers = [task_id(trace, f"consumer-{n}") for n in (1, 2)]

    seen = [s for _, s in states(trace, queue)]
    assert all(s["maxsize"] == 2 and 0 <= s["size"] <= 2 for s in seen)
    assert max(s["size"] for s in seen) == 2 and seen[-1]["unfinished"] == 0
    puts_blocked = [f for f in frames_of(trace, producer) if f.get("st") == "wait" and f.get("on") == queue]
    assert puts_blocked and all(f["role"] == "put" and "full, 2/2" in f["wait"] for f in puts_blocked)
    for consumer in consumers:
        first = frames_of(trace, consumer)[0]  # they start before anything was put
        assert (first["st"], first["on"], first["role"]) == ("wait", queue, "get")
        assert end_frame(trace, consumer)["st"] == "cancelled"

    finished = [(m[2], float(m[3])) for m in lines_matching(trace, r"(consumer-\d): finished (order-\d) at t=(\d)s")]
    assert [order for order, _ in finished] == [f"order-{n}" for n in range(1, 7)]  # first in, first out
    # Six items, two consumers, 1 s each: three rounds.
    assert trace.summary["virtual_time"] == pytest.approx(6 / 2 * 1)
    assert [t for _, t in finished] == [1, 1, 2, 2, 3, 3]


def test_09_timeouts_cancel_and_finally_still_runs(traces: dict[str, Trace]) -> None:
    trace = traces["09_timeouts_and_cancellation.py"]
    main, report, backup = (task_id(trace, n) for n in ("Task-1", "report", "backup"))

    (wait_for_timer,) = timer_frames(trace, main, "wait_for timeout")
    (timeout_timer,) = timer_frames(trace, main, "timeout")
    assert (wait_for_timer["t"], timeout_timer["t"]) == (1, 2)

    cleanups = {
        m[1]: (i, float(m[2]))
        for i, line in printed(trace)
        if (m := re.fullmatch(r"(\w+): cleanup in finally at t=(\S+)s", line))
    }
    assert {job: t for job, (_, t) in cleanups.items()} == {"report": 1.0, "search": 2.0, "backup": 2.5}
    for job, task in (("report", report), ("backup", backup)):
        end = end_frame(trace, task)
        assert end["st"] == "cancelled" and end["why"][0] == "cancel"
        assert cleanups[job][0] == end["i"]  # the finally block ran in the cancelled task's last step
    # asyncio.timeout() cancels main itself; the finally of the awaited job runs in main's step.
    search_cleanup = trace.frame(cleanups["search"][0])
    assert search_cleanup["a"] == main and search_cleanup["why"][0] == "cancel"
    assert "finished" not in trace.summary["stdout"]
    assert trace.summary["result"] == "['report timed out', 'search timed out', 'backup cancelled']"
    assert trace.summary["virtual_time"] == pytest.approx(1 + 1 + 0.5)


def test_10_taskgroup_cancels_siblings_and_raises_a_group(traces: dict[str, Trace]) -> None:
    trace = traces["10_taskgroup_errors.py"]
    prices, reviews, stock = (end_frame(trace, task_id(trace, n)) for n in ("prices", "reviews", "stock"))
    assert (prices["st"], prices["t"]) == ("done", 1)
    assert (reviews["st"], reviews["t"], reviews["error"]) == ("failed", 2, "ValueError: reviews: bad response")
    assert (stock["st"], stock["t"]) == ("cancelled", 2)  # cancelled long before its 3 s were up
    assert stock["i"] > reviews["i"]
    assert stock["out"] == "stock: cancelled at t=2s\nstock: closing connection\n"
    assert "stock: fetched" not in trace.summary["stdout"]
    assert trace.summary["outcome"] == "completed"
    assert trace.summary["result"] == repr("caught 1 error(s) at t=2s: ['reviews: bad response']")
    assert trace.summary["virtual_time"] == pytest.approx(2, abs=5e-3)  # plus the pool's start-up


def test_11_opposite_lock_order_deadlocks(traces: dict[str, Trace]) -> None:
    trace = traces["11_deadlock.py"]
    assert trace.summary["outcome"] == "deadlock"
    alice, bob = task_id(trace, "alice"), task_id(trace, "bob")
    fork, knife = resource_id(trace, "Lock", "fork"), resource_id(trace, "Lock", "knife")

    cycle = trace.summary["report"]["cycle"]
    assert cycle[0] == cycle[-1] and set(cycle) == {alice, bob, fork, knife}
    assert "cycle: " in trace.summary["report"]["text"]
    end = final(trace)
    assert end.resources[fork].raw == {"locked": True, "owner": alice}
    assert end.resources[knife].raw == {"locked": True, "owner": bob}
    assert (end.actors[alice].state, end.actors[alice].on) == ("wait", knife)
    assert (end.actors[bob].state, end.actors[bob].on) == ("wait", fork)
    assert "eats" not in trace.summary["stdout"]
    assert trace.summary["virtual_time"] == pytest.approx(1)


def test_12_a_blocking_call_delays_the_heartbeat_and_the_fix_does_not(traces: dict[str, Trace]) -> None:
    trace = traces["12_blocking_call.py"]
    blocker, polite = task_id(trace, "blocking_job-1"), task_id(trace, "polite_job-2")
    beat1, beat2 = task_id(trace, "heartbeat-1"), task_id(trace, "heartbeat-2")
    beats, period, job = 4, 0.5, 2  # heartbeat(4) sleeps 0.5 s per beat; each job takes 2 s

    (blocking,) = [f for f in trace.frames() if f.get("d")]  # the one step that took virtual time
    assert blocking["a"] == blocker and blocking["d"] == pytest.approx(job) and blocking["st"] == "done"

    late = [f["t"] - f["why"][1] for f in timer_frames(trace, beat1)]
    assert late[0] == pytest.approx(job - period)  # due at 0.5 s, fired when the loop was free at 2 s
    assert late[1:] == [0] * (beats - 1)
    assert all(f["t"] == f["why"][1] for f in timer_frames(trace, beat2) + timer_frames(trace, polite))
    assert not any(f.get("d") for f in frames_of(trace, polite))

    part1_end = job + (beats - 1) * period  # the first beat waits for the blocking call to end
    assert trace.summary["virtual_time"] == pytest.approx(part1_end + beats * period)
    ticks = [(float(m[1]), float(m[2])) for m in lines_matching(trace, r"  beat at t=(\S+)s \((\S+)s late\)")]
    assert ticks == [(job + k * period, job - period if k == 0 else 0) for k in range(beats)] + [
        (part1_end + (k + 1) * period, 0) for k in range(beats)
    ]


def test_13_worker_threads_leave_the_loop_free(traces: dict[str, Trace]) -> None:
    trace = traces["13_run_in_executor.py"]
    ticker = task_id(trace, "ticker")
    threads = [a.id for a in final(trace).threads() if a.name.startswith("asyncio_")]
    assert len(threads) == 2

    # Both worker threads sleep at the same time, through the same 2 s.
    def asleep(world: World) -> list[float]:
        # Rounded: before time.sleep() come the pool's start-up (run_in_executor's library
        # code and two thread starts, well under a millisecond) and the jobs' own few bytecodes.
        sleeping = [world.actors[t] for t in threads if t in world.actors and world.actors[t].state == "sleep"]
        return [round(actor.until or 0, 2) for actor in sleeping]

    assert [2.0, 2.0] in [asleep(trace.state_at(i)) for i in range(len(trace))]
    # Meanwhile the ticker is never late, and no loop step blocks.
    ticks = timer_frames(trace, ticker)
    assert len(ticks) == 3 and all(f["t"] == f["why"][1] for f in ticks)
    assert not any(f.get("d", 0) > 0.001 for f in trace.frames() if f["k"] != "thread")
    assert [float(m[1]) for m in lines_matching(trace, r"tick at t=(\S+)s")] == [0.5, 1.0, 1.5]
    assert end_frame(trace, ticker)["i"] < min(i for i, line in printed(trace) if line.startswith("results"))
    # Two 2 s jobs in two threads: 2 s, not 4 s.
    assert trace.summary["virtual_time"] == pytest.approx(2, abs=5e-3)  # plus the pool's start-up
    assert trace.summary["result"] == "['cat.png resized', 'dog.png resized']"


def test_22_eager_tasks_run_their_first_step_inside_create_task(traces: dict[str, Trace]) -> None:
    trace = traces["22_eager_tasks.py"]
    if not hasattr(asyncio, "eager_task_factory"):  # 3.11: the lesson says, in one line, what it needs
        (line,) = [text for _, text in printed(trace)]
        assert line.startswith("This lesson needs Python 3.12 or newer") and sys.version.split()[0] in line
        assert trace.summary["result"] == repr("skipped: eager tasks need Python 3.12")
        return
    main = task_id(trace, "Task-1")
    eager = [f for f in trace.frames() if f["k"] == "task" and f["why"][0] == "eager"]
    assert [f["why"] for f in eager] == [["eager", main], ["eager", main]]
    hit, miss = eager
    assert (hit["st"], hit["result"]) == ("done", repr("cached home page"))  # over before create_task() returned
    assert (miss["st"], miss["until"]) == ("sleep", pytest.approx(0.2))  # up to its first real wait
    for frame in eager:
        before, after = trace.frame(frame["i"] - 1), trace.frame(frame["i"] + 1)
        assert (before["a"], before["st"], before["stop"]) == (main, "running", "eager")
        assert (after["a"], after["why"]) == (main, ["resume", "eager", frame["a"]])
        assert any(d.get("task") == frame["a"] and d.get("eager") for d in before["new"])
    assert "fetch('home') begins" in hit["out"] and "fetch('news') begins" in miss["out"]
    # The queued round never starts a task eagerly: its tasks wait for main to await.
    queued = {task_id(trace, "queued home"), task_id(trace, "queued news")}
    assert not any(f["a"] in queued and f["why"][0] == "eager" for f in trace.frames())
    assert [text for _, text in printed(trace) if "after create_task" in text] == [
        "  after create_task(): hit done=False, miss done=False",
        "  after create_task(): hit done=True, miss done=False",
    ]
    assert trace.summary["virtual_time"] == pytest.approx(0.2)


def _lost_per_part(trace: Trace) -> list[int]:
    found = lines_matching(trace, r".* \(([\d,]+) updates lost\)")
    return [int(match[1].replace(",", "")) for match in found]


def test_18_loses_updates_only_where_cpython_can_switch_and_anywhere_with_preempt_any(
    traces: dict[str, Trace],
) -> None:
    one_statement, call_between, locked = _lost_per_part(traces["18_lost_update.py"])
    assert one_statement == 0 and call_between > 0 and locked == 0
    anywhere = record(SCENARIOS / "18_lost_update.py", preempt="any")
    one_statement, call_between, locked = _lost_per_part(anywhere)
    assert one_statement > 0 and call_between > 0 and locked == 0
