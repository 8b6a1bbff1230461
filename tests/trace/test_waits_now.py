"""What a waiter waits for is told as of the frame shown: the holder and the place in line never go stale."""

from __future__ import annotations

import re

import pytest
from conftest import SCENARIOS, record

from tui.trace.narrate import narrate
from tui.trace.state import World
from tui.trace.waits import WAITING_STATES, wait_now
from tui.widgets.tasks import detail_of

pytestmark = pytest.mark.slow  # every test records a program in its own process

HELD_BY = re.compile(r"held by (?P<holders>.+?)(, \d+\w\w in line)?$")
IN_LINE = re.compile(r", (?P<place>\d+)\w\w in line$")


@pytest.fixture(scope="module")
def lock_contention():
    return record(SCENARIOS / "04_lock_contention.py")


def test_the_lock_lesson_names_the_holder_of_the_moment(lock_contention) -> None:
    # Frame 17: worker-1 has released the lock and finished; worker-3 holds it now.
    world = lock_contention.state_at(16)
    worker_2 = next(a for a in world.actors.values() if a.name == "worker-2")
    lock = world.resources[worker_2.on]
    assert world.name(lock.raw["owner"]) == "worker-3"
    assert worker_2.wait is not None and "held by worker-1, 3rd in line" in worker_2.wait  # as written at frame 13
    assert detail_of(worker_2, world) == "lock (Lock#1) held by worker-3, 2nd in line"


@pytest.mark.parametrize("lesson", ["04_lock_contention.py", "05_semaphore_downloads.py", "08_bounded_queue.py"])
def test_every_waiter_on_every_frame_names_the_current_holders_and_a_true_place_in_line(lesson) -> None:
    trace = record(SCENARIOS / lesson)
    checked = 0
    world = World()
    for frame in trace.frames():
        world.apply(frame)
        places: dict[tuple[str | None, str | None], list[int]] = {}
        for actor in world.actors.values():
            words = wait_now(world, actor)
            if actor.state not in WAITING_STATES or not words or actor.on not in world.resources:
                continue
            state = world.resources[actor.on].raw
            held = HELD_BY.search(words)
            if held is not None:
                owners = state.get("holders") or ([state["owner"]] if state.get("locked") else [])
                assert held["holders"] == ", ".join(world.name(o) for o in owners), (frame["i"], words)
                checked += 1
            place = IN_LINE.search(words)
            if place is not None:
                places.setdefault((actor.on, actor.role), []).append(int(place["place"]))
                checked += 1
            if "(full, " in words:
                assert f"(full, {state['size']}/{state['maxsize']})" in words
                checked += 1
        for line in places.values():
            assert sorted(line) == list(range(1, len(line) + 1)), (frame["i"], places)
    assert checked > 5


def test_the_narration_of_a_wake_up_tells_what_was_waited_for_just_before(lock_contention) -> None:
    world, sentences = World(), []
    for frame in lock_contention.frames():
        before = world.snapshot()
        world.apply(frame)
        sentences.append(narrate(frame, world, before))
    assert not any("held by worker-1" in sentence for sentence in sentences[15:]), sentences[15:]
