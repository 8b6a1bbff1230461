"""The engine's one decision point: a policy picks who runs next, only where a real runtime could.

The default policy is today's order; a seeded random policy reaches other
orders a real CPython can produce (which waiting thread takes the GIL, which
of two processes ready at once goes first), and replaying the choices it made
gives the same run, frame for frame. asyncio's ready queue is never a decision.
"""

from __future__ import annotations

import ast
import itertools
import json
from pathlib import Path

import pytest
from conftest import record, run_with_python

from tui.engine.schedule import FIRST_IN_LINE, Decision, Replay, SeededRandom, parse_policy
from tui.engine.settings import Settings
from tui.trace.check import BadField, check_summary
from tui.trace.model import Trace

FOUR_CPU_THREADS = """\
import threading

order = []

def work(name):
    total = 0
    for i in range(200_000):
        total += i
    order.append(name)

threads = [threading.Thread(target=work, args=(n,), name=n) for n in "abcd"]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(order)
"""

THREE_PROCESSES = """\
import multiprocessing

def work(name, results):
    total = 0
    for i in range(300_000):
        total += i
    results.put(name)

if __name__ == "__main__":
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=work, args=(n, results)) for n in "xyz"]
    for w in workers:
        w.start()
    print([results.get() for _ in workers])
    for w in workers:
        w.join()
"""

ASYNCIO_ONLY = """\
import asyncio

async def worker(name, n):
    for i in range(n):
        await asyncio.sleep(0)
    print(name, "done")

async def main():
    await asyncio.gather(*(worker(c, 3) for c in "abc"))

asyncio.run(main())
"""


def frames_text(trace: Trace) -> list[str]:
    """Every frame as text, but for the settings in the first frame's header (the policy differs)."""
    frames = [dict(frame) for frame in trace.frames()]
    header = dict(frames[0]["trace"])
    header["settings"] = {k: v for k, v in header["settings"].items() if k != "policy"}
    frames[0]["trace"] = header
    return [json.dumps(frame, sort_keys=True) for frame in frames]


def printed_order(trace: Trace) -> list[str]:
    return ast.literal_eval(trace.summary["stdout"].strip())


# -- the policies themselves ----------------------------------------------------------------------


def test_policies_are_named_in_one_setting_and_nonsense_is_refused_in_one_line() -> None:
    assert parse_policy("first") is FIRST_IN_LINE
    assert isinstance(parse_policy("random:7"), SeededRandom)
    assert isinstance(parse_policy("replay:0,2,1"), Replay)
    for bad, words in [
        ("fifo", "unknown policy 'fifo'"),
        ("random:x", "random:SEED needs a whole number"),
        ("replay:1,a", "replay:I,J,... needs whole numbers"),
        ("replay:-1", "0 or more"),
        ("first:1", "unknown policy"),
    ]:
        with pytest.raises(ValueError, match=words):
            parse_policy(bad)


def test_a_replay_makes_its_choices_then_the_defaults_and_never_an_impossible_one() -> None:
    two = Decision("gil", ("Th1", "Th2"), 0.0)
    replay = Replay([1, 5, 0])
    assert [replay.choose(two) for _ in range(5)] == [1, 0, 0, 0, 0]  # 5 is no candidate of two: the default


def test_a_seeded_random_policy_chooses_the_same_every_time_and_every_candidate_at_some_point() -> None:
    three = Decision("gil", ("Th1", "Th2", "Th3"), 0.0)
    first, second = SeededRandom(3), SeededRandom(3)
    choices = [first.choose(three) for _ in range(60)]
    assert choices == [second.choose(three) for _ in range(60)]
    assert set(choices) == {0, 1, 2}


def test_the_default_policy_is_left_out_of_the_trace_header() -> None:
    assert "policy" not in Settings().as_dict()
    assert "--policy" not in Settings().argv()
    assert Settings(policy="random:1").as_dict()["policy"] == "random:1"


def test_a_summary_whose_schedule_is_not_a_list_of_indexes_is_a_format_error() -> None:
    check_summary({"format": "concur-tui-trace", "version": 1, "outcome": "completed", "schedule": [0, 2, 1]})
    with pytest.raises(BadField, match=r"summary\.schedule"):
        check_summary({"format": "concur-tui-trace", "version": 1, "outcome": "completed", "schedule": ["Th2"]})


# -- recorded programs --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_default_policy_makes_no_decisions_and_names_no_schedule(tmp_path: Path) -> None:
    path = tmp_path / "threads.py"
    path.write_text(FOUR_CPU_THREADS)
    trace = record(path)
    assert trace.summary["outcome"] == "completed"
    assert "schedule" not in trace.summary
    assert printed_order(trace) == list("abcd")


@pytest.mark.slow
def test_random_policies_reach_other_gil_orders_each_one_python_can_print(tmp_path: Path) -> None:
    path = tmp_path / "threads.py"
    path.write_text(FOUR_CPU_THREADS)
    orders = set()
    for seed in range(1, 5):
        trace = record(path, policy=f"random:{seed}")
        assert trace.summary["outcome"] == "completed"
        assert trace.summary["schedule"], "four CPU-bound threads wait for the GIL together"
        orders.add(tuple(printed_order(trace)))
    assert len(orders) > 1, orders
    # Each is a finishing order of the four threads; plain python prints one of the same kind.
    permutations = set(itertools.permutations("abcd"))
    assert orders <= permutations
    done = run_with_python(path)
    assert tuple(ast.literal_eval(done.stdout.strip())) in permutations


@pytest.mark.slow
def test_replaying_a_runs_schedule_gives_the_same_frames(tmp_path: Path) -> None:
    path = tmp_path / "threads.py"
    path.write_text(FOUR_CPU_THREADS)
    explored = record(path, policy="random:2")
    schedule = explored.summary["schedule"]
    replayed = record(path, policy="replay:" + ",".join(map(str, schedule)))
    assert frames_text(replayed) == frames_text(explored)
    assert replayed.summary["schedule"] == schedule
    assert replayed.summary["stdout"] == explored.summary["stdout"]


@pytest.mark.slow
def test_processes_waiting_for_a_free_core_are_a_decision(tmp_path: Path) -> None:
    path = tmp_path / "processes.py"
    path.write_text(THREE_PROCESSES)
    default = record(path, cores=1)
    assert default.summary["outcome"] == "completed", default.summary
    assert "schedule" not in default.summary
    orders = set()
    for seed in range(1, 5):
        trace = record(path, cores=1, policy=f"random:{seed}")
        assert trace.summary["outcome"] == "completed", trace.summary
        assert trace.summary["schedule"], "three processes on one core: the scheduler picks who gets it"
        orders.add(tuple(printed_order(trace)))
    assert orders <= set(itertools.permutations("xyz"))
    assert len(orders) > 1, orders


@pytest.mark.slow
def test_asyncio_ready_callbacks_stay_fifo_under_any_policy(tmp_path: Path) -> None:
    path = tmp_path / "tasks.py"
    path.write_text(ASYNCIO_ONLY)
    default = record(path)
    chosen = record(path, policy="random:5")
    assert chosen.summary["schedule"] == []
    assert frames_text(chosen) == frames_text(default)
    assert chosen.summary["stdout"] == run_with_python(path).stdout


# -- scheduler mode: the ask policies ---------------------------------------------------------------


def test_ask_policies_are_named_like_replays_and_nonsense_is_refused() -> None:
    from tui.engine.schedule import Ask

    asked = parse_policy("ask:1,0")
    assert isinstance(asked, Ask) and not asked.who_only
    assert isinstance(parse_policy("ask-who:"), Ask) and parse_policy("ask-who:").who_only  # type: ignore[attr-defined]
    assert parse_policy("ask-from:12").from_frame == 12  # type: ignore[attr-defined]
    for bad, words in [("ask:a", "whole numbers"), ("ask:-2", "0 or more"), ("ask-from:-1", "0 or more")]:
        with pytest.raises(ValueError, match=words):
            parse_policy(bad)


def test_an_ask_policy_replays_its_answers_then_asks_and_skips_slices_when_told() -> None:
    from tui.engine.schedule import SLICE, Ask

    asked: list[Decision] = []
    policy = Ask([1, 3])
    policy.ask = lambda decision: asked.append(decision) or 0
    two = Decision("gil", ("Th1", "Th2"), 0.0)
    assert policy.choose(two) == 1 and policy.cut("Th2", 0.0) == 3 and not asked
    assert policy.cut("Th2", 0.5) == 0
    assert asked == [Decision(SLICE, ("Th2",), 0.5)]
    who_only = Ask([], who_only=True)
    who_only.ask = lambda decision: asked.append(decision) or 1
    assert who_only.cut("Th2", 1.0) == 0 and who_only.choose(two) == 1
    assert asked[-1] == two


@pytest.mark.slow
def test_a_run_stops_at_the_decision_it_asks_and_goes_on_frame_for_frame_from_the_answer(tmp_path: Path) -> None:
    path = tmp_path / "threads.py"
    path.write_text(FOUR_CPU_THREADS)
    default = frames_text(record(path))
    stopped = record(path, policy="ask-who:")
    summary = stopped.summary
    assert summary["outcome"] == "decision"
    decision = summary["decision"]
    assert decision["kind"] == "gil" and len(decision["candidates"]) >= 2
    # Answering with the defaults is the default run: what was recorded is its beginning.
    assert frames_text(stopped) == default[: len(stopped)]
    # The second candidate: the same frames up to the decision, then that thread runs.
    answered = record(path, policy="ask-who:" + ",".join(map(str, [*summary["schedule"], 1])))
    assert frames_text(answered)[: len(stopped)] == frames_text(stopped)
    assert answered.frame(len(stopped))["a"] == decision["candidates"][1]
    assert answered.summary["schedule"][: len(summary["schedule"]) + 1] == [*summary["schedule"], 1]


@pytest.mark.slow
def test_ask_from_takes_the_defaults_until_the_frame_and_a_lone_threads_slices_are_never_asked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "threads.py"
    path.write_text(FOUR_CPU_THREADS)
    later = record(path, policy="ask-from:6")
    assert later.summary["outcome"] == "decision" and len(later) >= 6
    assert not any(later.summary["schedule"]), "every decision before frame 6 took the default"
    alone = tmp_path / "alone.py"
    alone.write_text("import threading\ntotal = 0\nfor i in range(300_000):\n    total += i\nprint(total)\n")
    trace = record(alone, policy="ask:")
    assert trace.summary["outcome"] == "completed", "one thread: no slice of it is a choice"
    assert set(trace.summary["schedule"]) <= {0}


def test_a_summarys_deviations_are_frame_kind_answer_actor_lists() -> None:
    base = {"format": "concur-tui-trace", "version": 1, "outcome": "completed", "schedule": [1, 0]}
    check_summary({**base, "deviations": [[3, "slice", 1, "Th2"]]})
    for bad in ([[3, "slice", 1]], [["3", "gil", 1, "Th2"]], [[-1, "gil", 1, "Th2"]], [[3, "gil", 1, 2]], "no"):
        with pytest.raises(BadField, match=r"summary\.deviations"):
            check_summary({**base, "deviations": bad})


NETWORK_CLIENT = """\
import asyncio

async def handle(reader, writer):
    line = (await reader.readline()).decode().strip()
    print("server got", line, "at", round(asyncio.get_running_loop().time(), 6))
    writer.close()

async def main():
    server = await asyncio.start_server(handle, "localhost", 8888)
    async with server:
        reader, writer = await asyncio.open_connection("localhost", 8888)
        writer.write(b"hello\\n")
        await writer.drain()
        writer.close()
        await asyncio.sleep(0.5)

asyncio.run(main())
"""


@pytest.mark.slow
def test_a_delivery_may_come_up_to_a_latency_late_under_any_policy_but_never_under_the_default(
    tmp_path: Path,
) -> None:
    path = tmp_path / "client.py"
    path.write_text(NETWORK_CLIENT)
    default = record(path)
    assert "schedule" not in default.summary  # the default keeps the network exact
    asked = record(path, policy="ask:")
    decision = asked.summary["decision"]
    assert decision["kind"] == "net" and decision["candidates"] == ["after 25 ms", "after 37.5 ms", "after 50 ms"]
    exact = record(path, policy="replay:0,0")
    late = record(path, policy="replay:2,2")
    assert frames_text(exact)[1:] == frames_text(default)[1:], "answering 0 is the default's exact network"

    def arrived(trace: Trace) -> float:
        words = trace.summary["stdout"].split()
        assert words[:3] == ["server", "got", "hello"]
        return float(words[-1])

    # One latency more for the handshake, one more for the line: 50 ms later in all.
    assert arrived(late) == pytest.approx(arrived(exact) + 0.050)


def test_a_long_list_of_answers_can_come_from_a_file(tmp_path: Path) -> None:
    from tui.engine.schedule import Ask

    saved = tmp_path / "answers.json"
    saved.write_text(json.dumps({"schedule": [0] * 70_000 + [1]}))
    for name in ("replay", "ask", "ask-who"):
        policy = parse_policy(f"{name}:@{saved}")
        assert isinstance(policy, Ask) == (name != "replay")
        two = Decision("gil", ("Th1", "Th2"), 0.0)
        assert [policy.choose(two) for _ in range(70_001)][-2:] == [0, 1]
