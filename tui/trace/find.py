"""Provides `search`: the next (or previous) frame whose text holds a given string, case-insensitively.

A frame's text is what the app says of it: its narration, what it printed,
the name of the actor that ran and of the resources it waited on or changed
(`frame_text`). Narration is built from the worlds before and after a frame,
so a search folds the frames it reads, as the listing does (narrate.what_before
says how much of the world before a frame it needs): forwards, one world
carried from block to block; backwards, each block from its nearest keyframe. A long search yields between blocks, so a
viewer can keep its screen alive meanwhile and stop it at any time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tui.trace.model import Trace
from tui.trace.narrate import narrate, what_before
from tui.trace.schema import Frame
from tui.trace.state import World

CHUNK = 256
"""Frames folded and read between two pauses of a search."""


@dataclass(frozen=True)
class Found:
    """A frame that matched, and whether the search went past an end of the trace to get there."""

    index: int
    wrapped: bool = False


def frame_text(frame: Frame, world: World, before: World | None) -> str:
    """Everything a search reads of a frame, in one string: narration, output, names of who and what."""
    parts = [narrate(frame, world, before), frame.get("out", ""), frame.get("err", "")]
    actor = frame.get("a")
    if actor and actor != "cb":
        parts.append(world.name(actor))
    for rid in (frame.get("on"), *(frame.get("set") or ())):
        if rid:
            parts.append(world.name(rid))
    return "\n".join(parts)


def _before(frame: Frame, world: World) -> World:
    """As much of the world before `frame` (not folded yet into `world`) as narrate() reads."""
    needed = what_before(frame)
    if needed == "world":
        return world.snapshot()
    partial = World()
    if needed == "resources":
        for rid in frame.get("set") or ():
            resource = world.resources.get(rid)
            if resource is not None:  # a copy: the fold sets the state of the world's own in place
                partial.resources[rid] = resource.clone(resource.gen)
    return partial


def matching_frames(trace: Trace, needle: str, start: int, stop: int, world: World | None = None) -> list[int]:
    """The frames in start..stop-1 whose `frame_text` holds `needle` (compared in lower case).

    `world` is the world before frame `start` if the caller has it (it is
    folded on to the world after the last frame read); else it comes from
    the trace's nearest keyframe.
    """
    needle = needle.lower()
    stop = min(stop, len(trace))
    if start >= stop or not needle:
        return []
    if world is None:
        world = trace.state_at(start - 1).snapshot() if start > 0 else World()
    found = []
    for index in range(start, stop):
        frame = trace.frame(index)
        before = _before(frame, world) if index else None
        world.apply(frame)
        if needle in frame_text(frame, world, before).lower():
            found.append(index)
    return found


def _chunks(after: int, count: int, direction: int) -> Iterator[tuple[int, int, bool]]:
    """(start, stop, wrapped) of the blocks to read, nearest first, once round the whole trace."""
    if direction > 0:
        for start in range(after + 1, count, CHUNK):
            yield start, min(start + CHUNK, count), False
        for start in range(0, min(after + 1, count), CHUNK):
            yield start, min(start + CHUNK, after + 1, count), True
    else:
        for stop in range(min(after, count), 0, -CHUNK):
            yield max(0, stop - CHUNK), stop, False
        for stop in range(count, max(after, 0), -CHUNK):
            yield max(after, 0, stop - CHUNK), stop, True


def search(trace: Trace, needle: str, after: int, direction: int = 1) -> Iterator[Found | None]:
    """Look for `needle` after frame `after` (direction 1) or before it (-1), wrapping round the ends.

    Yields None after each block it read without a match (a place to pause),
    then the Found frame, if any; the frame `after` itself is read last.
    """
    world: World | None = None
    folded_to = -1
    """The frame `world` is the world after, when the next block starts right after it."""
    for start, stop, wrapped in _chunks(after, len(trace), direction):
        if world is None or folded_to != start - 1:
            world = trace.state_at(start - 1).snapshot() if start > 0 else World()
        matches = matching_frames(trace, needle, start, stop, world)
        folded_to = min(stop, len(trace)) - 1
        if matches:
            yield Found(matches[0] if direction > 0 else matches[-1], wrapped)
            return
        yield None


def find(trace: Trace, needle: str, after: int, direction: int = 1) -> Found | None:
    """`search` to its end, without pauses."""
    return next((found for found in search(trace, needle, after, direction) if found is not None), None)
