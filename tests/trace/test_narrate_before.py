"""narrate.what_before says all narrate() reads of the world before a frame: given only that, it says the same.

A reader that folds as frames arrive (the `trace` listing) keeps no copy of
the whole world before each frame; it hands narrate() just what what_before
names. Here every frame of the saved traces is narrated both ways.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.trace.model import Trace, load
from tui.trace.narrate import narrate, what_before
from tui.trace.state import World

DATA = Path(__file__).resolve().parents[1] / "data"
SAVED = sorted((DATA / "traces").glob("*.jsonl")) + sorted((DATA / "listing").glob("*.jsonl"))


def only_what_is_read(trace: Trace, index: int) -> World:
    """The world before frame `index`, cut down to what what_before says narrate() reads."""
    frame = trace.frame(index)
    whole = trace.state_at(index - 1)
    needed = what_before(frame)
    if needed == "world":
        return whole
    partial = World()
    if needed == "resources":
        partial.resources = {rid: whole.resources[rid] for rid in frame.get("set") or () if rid in whole.resources}
    return partial


@pytest.mark.parametrize("path", SAVED, ids=lambda path: path.stem)
def test_narrate_reads_no_more_of_the_world_before_than_what_before_says(path: Path) -> None:
    trace = load(str(path))
    for index in range(1, len(trace)):
        frame = trace.frame(index)
        world = trace.state_at(index)
        assert narrate(frame, world, only_what_is_read(trace, index)) == narrate(
            frame, world, trace.state_at(index - 1)
        ), index


def test_every_kind_of_need_is_seen() -> None:
    """The saved traces hold frames of each kind: a thread woken, a resource set, neither."""
    seen = {what_before(frame) for path in SAVED for frame in load(str(path)).frames()}
    assert seen == {"world", "resources", "nothing"}
