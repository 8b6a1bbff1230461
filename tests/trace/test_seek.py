"""Seeking: the world at any frame, reached from a keyframe, is the world a fold from frame 0 reaches.

The trace here is made in the test (frames of forty tasks taking turns with a
lock, long enough for a dozen keyframes), so no process is started.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tui.trace.entities import Actor, Resource
from tui.trace.model import Trace, load_lines
from tui.trace.state import World

HEADER = Path(__file__).resolve().parents[1] / "data" / "traces" / "04_lock_contention-py311.jsonl"
TASKS = 40
FRAMES = 3000


def synthetic_lines(frames: int = FRAMES, tasks: int = TASKS) -> list[str]:
    """Frame 0 of a saved trace (its header), then `tasks` workers that yield, sleep and wait on a lock in turn."""
    with open(HEADER, encoding="utf-8") as saved:
        lines = [saved.readline().rstrip("\n")]
    new: list[dict[str, object]] = [{"res": "Lock#1", "kind": "Lock", "name": "lock", "by": "T1", "at": 2}]
    new += [
        {"task": f"T{n}", "name": f"worker-{n}", "coro": "worker", "by": "T1", "at": [3]} for n in range(2, 2 + tasks)
    ]
    first = {"i": 1, "t": 0.0, "a": "T1", "k": "task", "h": 1, "why": ["new", "Th1"], "st": "wait", "on": "gather"}
    first |= {"wait": "waits for the workers", "at": [4], "ready": [[n, f"T{n}"] for n in range(2, tasks + 2)]}
    lines.append(json.dumps(first | {"new": new}))
    handle = tasks + 2
    for index in range(2, frames):
        actor = f"T{2 + index % tasks}"
        state = ("ready", "sleep", "wait")[index % 3]
        frame: dict[str, object] = {"i": index, "t": index * 0.01, "a": actor, "k": "task", "h": handle - tasks}
        frame |= {"why": ["yield"], "st": state, "at": [3 + index % 2]}
        if state == "ready":
            frame["ready"] = [[handle, actor]]
        elif state == "sleep":
            frame |= {"on": "sleep", "until": index * 0.01 + 1}
        else:
            frame |= {"on": "Lock#1", "wait": "waits for lock (Lock#1) held by worker-2, 1st in line"}
        if index % 5 == 0:
            frame["set"] = {"Lock#1": {"locked": index % 10 == 0, "owner": actor if index % 10 == 0 else None}}
        handle += 1
        lines.append(json.dumps(frame))
    summary = {"format": "concur-tui-trace", "version": 1, "outcome": "completed", "frames": frames}
    lines.append(json.dumps({"summary": summary | {"virtual_time": frames * 0.01}}))
    return lines


def _digest(world: World) -> tuple[object, ...]:
    actors = sorted(
        (a.id, a.name, a.state, a.on, a.wait, a.until, a.steps, tuple(a.at), a.since, a.last)
        for a in world.actors.values()
    )
    resources = sorted((r.id, json.dumps(r.raw, sort_keys=True)) for r in world.resources.values())
    return (world.index, world.time, actors, resources, [tuple(e) for e in world.ready], sorted(world.timers.items()))


@pytest.fixture(scope="module")
def folded() -> tuple[list[str], list[tuple[object, ...]]]:
    """The lines, and the digest of the world after each frame, folded one by one from frame 0."""
    lines = synthetic_lines()
    reference = load_lines(lines)
    world = World()
    digests = []
    for index in range(len(reference)):
        world.apply(reference.frame(index))
        digests.append(_digest(world))
    return lines, digests


def test_the_trace_has_many_keyframes(folded: tuple[list[str], list[tuple[object, ...]]]) -> None:
    trace = load_lines(folded[0])
    assert len(trace) == FRAMES
    assert len(trace._keyframes) > 8  # the seeks below cross keyframes of every kind


def test_a_seek_lands_on_the_state_a_fold_from_frame_0_reaches(
    folded: tuple[list[str], list[tuple[object, ...]]],
) -> None:
    lines, digests = folded
    trace = load_lines(lines)
    edges = {at + offset for at in trace._keyframe_at for offset in (-1, 0, 1, 2)}
    wanted = sorted(i for i in edges | set(random.Random(3).sample(range(FRAMES), 120)) if 0 <= i < FRAMES)
    random.Random(4).shuffle(wanted)  # jumps back and forth, as a user's are
    for index in wanted:
        assert _digest(trace.state_at(index)) == digests[index], index
        # The frame before comes on the way (the narration asks for it next): it is right too.
        if index > 0:
            assert _digest(trace.state_at(index - 1)) == digests[index - 1], index - 1


def test_a_seek_folds_its_frames_once_for_the_frame_and_the_one_before(
    folded: tuple[list[str], list[tuple[object, ...]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = load_lines(folded[0])
    applied = []
    real_apply = World.apply
    monkeypatch.setattr(World, "apply", lambda world, frame: applied.append(frame["i"]) or real_apply(world, frame))
    target = trace._keyframe_at[5] + 200
    trace.state_at(target)
    trace.state_at(target - 1)
    assert applied == list(range(trace._keyframe_at[5] + 1, target + 1))


def test_worlds_a_seek_kept_do_not_change_when_it_goes_on(folded: tuple[list[str], list[tuple[object, ...]]]) -> None:
    lines, digests = folded
    trace = load_lines(lines)
    trace.state_at(1400)
    before = trace.state_at(1399)
    for index in (1401, 1402, 2999, 1500, 10):
        trace.state_at(index)
    assert _digest(before) == digests[1399]


def _slots(record: object) -> dict[str, object]:
    return {slot: getattr(record, slot) for slot in type(record).__slots__ if slot != "gen"}


@pytest.mark.parametrize("kind", [Actor, Resource])
def test_a_clone_copies_every_slot(kind: type[Actor] | type[Resource]) -> None:
    trace = load_lines(synthetic_lines(frames=200))
    world = trace.state_at(199)
    record = next(iter(world.actors.values())) if kind is Actor else world.resources["Lock#1"]
    for number, slot in enumerate(type(record).__slots__):
        object.__setattr__(record, slot, f"value {number}") if slot != "gen" else None
    twin = record.clone(12345)
    assert twin.gen == 12345
    assert _slots(twin) == _slots(record)


def test_the_live_end_stays_the_last_frame(folded: tuple[list[str], list[tuple[object, ...]]]) -> None:
    lines, digests = folded
    trace = Trace()
    for line in lines:
        trace.add_line(line)
    assert _digest(trace.state_at(FRAMES - 1)) == digests[-1]
    assert _digest(trace.state_at(FRAMES - 2)) == digests[-2]
