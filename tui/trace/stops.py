"""Provides StopIndex: for each kind of breakpoint, the frames that hit it, sorted, built as frames fold in.

`c` (continue to the next breakpoint) must answer at once on a 100,000-frame
trace, so the trace does not fold frames to find one: as each frame is
folded (Trace._add_frame), the frame is filed here under what a breakpoint
can ask of it: the line it stopped at (its innermost site), the state it
left its actor in, whether it started a wait for a lock. A search is then a
bisect in a few sorted arrays (tui.trace.breaks.next_stop).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from tui.trace.schema import Frame
from tui.trace.state import World

LOCK_KINDS = frozenset({"Lock", "Semaphore", "BoundedSemaphore", "Condition"})
"""Resources whose waiters count as contention (a queue or an event being waited on does not)."""


class StopIndex:
    """Sorted frame indexes by site, by the state a frame ends in, and of lock waits: appended in frame order."""

    def __init__(self) -> None:
        self.by_site: dict[int, array[int]] = {}
        """Innermost site id of a frame's `at` -> the frames that stopped there."""
        self.by_state: dict[str, array[int]] = {}
        """A frame's own `st` ("done", "failed", ...) -> the frames that ended in it."""
        self.contention = array("i")
        """Frames in which a task or thread started to wait for a lock-like resource (LOCK_KINDS)."""

    def add(self, index: int, frame: Frame, world: World) -> None:
        """File frame `index` (frames come in order); `world` is the world after it."""
        at = frame.get("at")
        if at:
            self.by_site.setdefault(at[-1], array("i")).append(index)
        state = frame.get("st")
        if state is None:
            return
        self.by_state.setdefault(state, array("i")).append(index)
        if state in ("wait", "blocked"):
            resource = world.resources.get(frame.get("on", ""))
            if resource is not None and resource.kind in LOCK_KINDS:
                self.contention.append(index)


def nearest(frames: array[int], after: int, direction: int) -> int | None:
    """The first of the sorted `frames` after frame `after` (direction 1), or the last one before it (-1)."""
    if direction > 0:
        position = bisect_right(frames, after)
        return frames[position] if position < len(frames) else None
    position = bisect_left(frames, after) - 1
    return frames[position] if position >= 0 else None


def nearest_of(lists: Iterable[array[int]], after: int, direction: int) -> int | None:
    """The nearest frame after (or before) `after` in any of `lists`."""
    found = [index for index in (nearest(frames, after, direction) for frames in lists) if index is not None]
    if not found:
        return None
    return min(found) if direction > 0 else max(found)
