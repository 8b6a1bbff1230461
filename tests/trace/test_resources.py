"""A resource's state reads as the frozen record of its kind, with one default per missing field."""

from __future__ import annotations

import dataclasses

import pytest

from tui.trace.format import RESOURCE_STATES
from tui.trace.resources import (
    EventState,
    FutureState,
    LockState,
    OtherState,
    QueueState,
    SemaphoreState,
    SocketState,
    read_state,
)
from tui.trace.state import World

RENAMED = {"set": "is_set"}
"""Fields whose record attribute is named apart from the frame's key (`set` reads as a verb)."""


@pytest.mark.parametrize("kind", sorted(RESOURCE_STATES))
def test_every_documented_field_of_every_kind_is_an_attribute_of_its_record(kind: str) -> None:
    record = read_state(kind, {})
    assert not isinstance(record, OtherState), kind
    attributes = {f.name for f in dataclasses.fields(record)}
    for name in RESOURCE_STATES[kind]:
        assert RENAMED.get(name, name) in attributes, (kind, name)


@pytest.mark.parametrize("kind", ["Queue", "LifoQueue", "PriorityQueue"])
def test_every_queue_kind_reads_as_a_queue(kind: str) -> None:
    state = read_state(kind, {"size": 2, "maxsize": 3, "items": ["1", "2"], "unfinished": 2})
    assert state == QueueState(size=2, maxsize=3, items=["1", "2"], unfinished=2, shutdown=False)


def test_fields_are_read_and_missing_ones_take_their_defaults() -> None:
    assert read_state("Lock", {"locked": True, "owner": "T2"}) == LockState(True, "T2")
    assert read_state("Event", {"set": True}) == EventState(True)
    assert read_state("Semaphore", {"value": 1}) == SemaphoreState(value=1, holders=[], bound=None)
    assert read_state("Future", {}) == FutureState("pending", None, None)
    # A result that is None is the string "None": it is shown, unlike a missing result.
    assert read_state("Future", {"state": "done", "result": "None"}).result == "None"  # type: ignore[union-attr]
    assert read_state("Socket", {"state": "listening", "backlog": 0}) == SocketState("listening", backlog=0)


def test_records_are_frozen() -> None:
    state = read_state("Lock", {"locked": False})
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.locked = True  # type: ignore[misc, union-attr]


def test_a_kind_this_model_does_not_know_keeps_its_fields() -> None:
    assert read_state("TaskGroup", {"tasks": 3}) == OtherState({"tasks": 3})


def test_a_resource_reads_its_new_state_after_each_frame_that_sets_it() -> None:
    world = World()
    world.apply(
        {"i": 0, "t": 0.0, "a": "Th1", "k": "thread", "new": [{"res": "Lock#1", "kind": "Lock"}],
         "set": {"Lock#1": {"locked": False, "owner": None}}}
    )  # fmt: skip
    before = world.snapshot()
    world.apply({"i": 1, "t": 0.0, "a": "Th1", "k": "thread", "set": {"Lock#1": {"locked": True, "owner": "Th1"}}})
    assert world.resources["Lock#1"].state == LockState(True, "Th1")
    assert before.resources["Lock#1"].state == LockState(False, None)
