"""Place: the user's place, found again in a new recording as the same actor's same step."""

from __future__ import annotations

from pathlib import Path

from tui.trace.model import Trace, load
from tui.trace.place import Place

TRACES = Path(__file__).resolve().parents[1] / "data" / "traces"
LOCKS = TRACES / "04_lock_contention-py311.jsonl"


def test_in_the_same_trace_every_place_is_its_own_frame() -> None:
    trace = load(str(LOCKS))
    for index in range(len(trace)):
        assert Place.of(trace, index).find(trace) == index


def test_while_the_new_recording_streams_in_the_place_waits_for_its_frame() -> None:
    trace = load(str(LOCKS))
    lines = list(trace.lines())
    last_actor_frame = max(i for i in range(len(trace)) if trace.actor_index[i] >= 0)
    place = Place.of(trace, last_actor_frame)
    partial = Trace()
    for line in lines[:last_actor_frame]:
        partial.add_line(line)
        assert place.find(partial) is None
    partial.add_line(lines[last_actor_frame])
    assert place.find(partial) == last_actor_frame


def test_a_step_the_new_recording_never_reaches_falls_back_to_the_frame_index_clamped() -> None:
    trace = load(str(LOCKS))
    lines = list(trace.lines())
    place = Place(index=len(trace) - 1, actor="T99", step=0)  # an actor the new run does not have
    shorter = Trace()
    for line in lines[:5]:
        shorter.add_line(line)
    assert place.find(shorter) is None  # not complete: the actor may still come
    shorter.add_line('{"summary": {"outcome": "completed", "frames": 5}}')
    assert place.find(shorter) == 4
    assert Place(index=3, actor=None, step=0).find(shorter) == 3


def test_the_actor_is_known_by_its_own_name_when_its_id_changed() -> None:
    trace = load(str(LOCKS))
    index = len(trace) // 2
    place = Place.of(trace, index)
    assert place.actor is not None and place.name
    renumbered = Place(place.index + 7, "T999", place.step, place.name, place.kind)
    assert renumbered.find(trace) == index
