"""The trace model: the state at any frame equals folding every frame up to it."""

from __future__ import annotations

import json
import random

import pytest
from conftest import SCENARIOS, record

from tui.trace.model import BLOCK, Trace, TraceFormatError, load, load_lines
from tui.trace.narrate import narrate
from tui.trace.state import World


@pytest.fixture(scope="module")
def busy_trace() -> Trace:
    """A long trace (several compressed blocks and keyframes) of many tasks and a lock.

    Recorded in its own process, so every test that asks for it is marked slow."""
    source = SCENARIOS.parent / "tests" / "benchmarks" / "workload_asyncio.py"
    return record(source, max_frames=3 * BLOCK + 77)


def _digest(world: World) -> tuple:
    actors = sorted((a.id, a.name, a.state, a.on, a.steps, tuple(a.at), a.since) for a in world.actors.values())
    resources = sorted((r.id, json.dumps(r.raw, sort_keys=True)) for r in world.resources.values())
    return (world.index, world.time, actors, resources, [tuple(e) for e in world.ready], sorted(world.timers.items()))


@pytest.mark.slow
def test_state_at_any_frame_equals_a_fold_from_the_start(busy_trace: Trace) -> None:
    assert len(busy_trace) == 3 * BLOCK + 77
    expected: dict[int, tuple] = {}
    world = World()
    wanted = set(random.Random(1).sample(range(len(busy_trace)), 40)) | {0, BLOCK - 1, BLOCK, len(busy_trace) - 1}
    for index in range(len(busy_trace)):
        world.apply(busy_trace.frame(index))
        if index in wanted:
            expected[index] = _digest(world)
    for index in sorted(wanted, key=lambda i: -i):  # backwards, as a user stepping back would
        assert _digest(busy_trace.state_at(index)) == expected[index]


@pytest.mark.slow
def test_snapshots_are_independent_of_later_frames(busy_trace: Trace) -> None:
    early = busy_trace.state_at(10)
    before = _digest(early)
    busy_trace.state_at(len(busy_trace) - 1)
    busy_trace.state_at(500)
    assert _digest(early) == before


@pytest.mark.slow
def test_ready_queue_and_timers_follow_the_frames(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def napper(seconds):
            await asyncio.sleep(seconds)

        async def main():
            await asyncio.gather(*(asyncio.create_task(napper(s), name=f"nap{s}") for s in (3, 1, 2)))

        asyncio.run(main())
        """
    )
    after_start = next(i for i in range(len(trace)) if len(trace.state_at(i).timers) == 3)
    world = trace.state_at(after_start)
    assert sorted(when for when, _owner, _label in world.timers.values()) == [1.0, 2.0, 3.0]
    assert all(label == "sleep" for *_x, label in world.timers.values())
    assert all(world.actors[a].state == "sleep" for a in world.actors if world.actors[a].name.startswith("nap"))
    first_fire = next(i for i in range(len(trace)) if trace.frame(i)["k"] == "timer")
    fired_world = trace.state_at(first_fire)
    assert len(fired_world.timers) == 2
    assert [world.name(who) for _hid, who, _cancelled in fired_world.ready] == ["nap1"]


@pytest.mark.slow
def test_round_trip_through_a_saved_file(tmp_path, busy_trace: Trace) -> None:
    path = tmp_path / "saved.jsonl"
    lines = [busy_trace.line(i) for i in range(len(busy_trace))]
    path.write_text("\n".join(lines) + "\n" + json.dumps({"summary": busy_trace.summary}) + "\n")
    loaded = load(str(path))
    assert len(loaded) == len(busy_trace)
    assert loaded.summary == busy_trace.summary
    assert _digest(loaded.state_at(700)) == _digest(busy_trace.state_at(700))


def test_other_formats_and_versions_are_refused_clearly() -> None:
    with pytest.raises(TraceFormatError, match="version 2 is not supported"):
        load_lines([json.dumps({"summary": {"format": "concur-tui-trace", "version": 2}})])
    with pytest.raises(TraceFormatError, match="not a concur-tui trace"):
        load_lines([json.dumps({"summary": {"format": "chrome-trace", "version": 1}})])
    with pytest.raises(TraceFormatError, match="not JSON"):
        load_lines(["{nope"])
    with pytest.raises(TraceFormatError, match="frame 0 expected"):
        load_lines([json.dumps({"i": 5, "t": 0.0, "a": "T1", "k": "task"})])


@pytest.mark.slow
def test_seek_helpers_find_times_and_an_actors_frames(busy_trace: Trace) -> None:
    worker = next(a for a in busy_trace.state_at(len(busy_trace) - 1).actors.values() if a.coro == "worker")
    frames = busy_trace.frames_of(worker.id)
    assert frames and all(busy_trace.frame(i)["a"] == worker.id for i in frames)
    assert busy_trace.next_frame_of(worker.id, frames[0]) == frames[1]
    assert busy_trace.next_frame_of(worker.id, frames[1], step=-1) == frames[0]
    assert busy_trace.frame_at_time(0.0) == len(busy_trace) - 1  # every step of this workload is at t=0


@pytest.mark.slow
def test_every_frame_of_every_scenario_can_be_narrated() -> None:
    for path in sorted(SCENARIOS.glob("*.py")):
        trace = record(path)
        for index in range(len(trace)):
            sentence = narrate(trace.frame(index), trace.state_at(index))
            assert sentence.endswith(".") and len(sentence) > 15, (path.name, index, sentence)
