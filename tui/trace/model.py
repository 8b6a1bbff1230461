"""Provides Trace: the frames of one run, and the world at any frame in bounded time.

Frames arrive as JSON lines (from a recording process or a file) and are
folded once, in order. Along the way the trace keeps:

- the lines themselves, compressed in blocks (a 100,000-frame trace stays small);
- a keyframe (a World snapshot) every so often, so `state_at(i)` folds at most
  one interval of frames;
- per-frame columns (time, actor) and per-actor state changes, which the
  timeline and the seek keys read without touching the frames.
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any, cast

from tui.trace.check import LineCheck, TraceFormatError, checked_records, read_lines
from tui.trace.codec import decode_frame
from tui.trace.schema import Frame, Header, Summary
from tui.trace.state import World
from tui.trace.stops import StopIndex

__all__ = ("BLOCK", "STATE_CODES", "Trace", "TraceFormatError", "load", "load_lines")

BLOCK = 512
"""Frames per compressed block of lines."""

STATE_CODES = {
    "ready": 1,
    "running": 2,
    "wait": 3,
    "sleep": 4,
    "blocked": 5,
    "done": 6,
    "failed": 7,
    "cancelled": 8,
    "runaway": 9,
    "loop": 10,
    "preempted": 11,
}
STATE_NAMES = {code: name for name, code in STATE_CODES.items()}


class Trace:
    """An append-only recorded run, with random access to the state at any frame."""

    def __init__(self) -> None:
        self.header: Header = {}
        self.summary: Summary | None = None
        self.sites: dict[int, tuple[str, int, str]] = {}
        self.times = array("d")
        self.ends = array("d")
        """Per frame: virtual time when the step ended (t + d)."""
        self.actor_index = array("i")
        """Per frame: index into `actor_ids` of the actor that ran (-1 for a callback)."""
        self.actor_ids: list[str] = []
        self.cores = array("b")
        """Per frame: the simulated core the actor's process ran on (-1 when not recorded)."""
        self.procs = array("b")
        """Per frame: the number of the process whose thread ran (-1 for loop frames)."""
        self.core_count = 0
        self.core_owners: dict[int, tuple[array[int], array[int]]] = {}
        """Per core: (frame indexes, process numbers) each time another process ran on it."""
        self._actor_slot: dict[str, int] = {}
        self._frames_by_slot: list[array[int]] = []
        """Per actor: the indexes of the frames in which it ran."""
        self.transitions: dict[str, tuple[array[int], array[int]]] = {}
        """Per actor: (frame indexes, state codes) of each change of its state."""
        self.output: list[tuple[int, str, str]] = []
        """(frame index, "out" or "err", text) for frames that printed."""
        self._output_frames = array("i")
        self.stops = StopIndex()
        """Per kind of breakpoint, the frames that hit it (what `c` searches: tui.trace.breaks)."""
        self.world = World()
        """The state after the last frame added (the live end of the fold)."""
        self._keyframes: list[World] = []
        self._keyframe_at = array("i")
        self._next_keyframe = 0
        self._blocks: list[bytes] = []
        self._tail: list[str] = []
        self._block_cache: OrderedDict[int, list[str]] = OrderedDict()
        self._state_cache: OrderedDict[int, World] = OrderedDict()
        self._check = LineCheck()
        self.summary_line: str | None = None
        """The summary as it was read, so that a saved copy of the trace is the same bytes."""
        self.cut: str | None = None
        """Why the trace stops early ("the trace ends mid-line after frame 41"), or None; see format.py."""

    # -- building ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.times)

    @property
    def complete(self) -> bool:
        return self.summary is not None

    def add_line(self, line: str) -> None:
        """Take one line of the trace: a frame, or the final summary (TraceFormatError if it is neither)."""
        record = self._check.read(line)
        if record is not None:
            self.add_record(record, line)

    def add_record(self, record: dict[str, Any], line: str) -> None:
        """Take a line that this trace's LineCheck has already read (see load_lines)."""
        if "summary" not in record:
            self._add_frame(cast(Frame, record), line.rstrip("\r\n"))
            return
        self.summary = summary = record["summary"]
        self.summary_line = line.rstrip("\r\n")
        if summary.get("outcome") == "cut":
            self.cut = summary.get("error")
        if not self.header and summary.get("source") is not None:
            # A program that could not even start: show its source at least.
            self.header = {"file": summary.get("file"), "source": summary["source"]}

    def _add_frame(self, frame: Frame, line: str) -> None:
        index = frame["i"]
        header = frame.get("trace")
        if header is not None:
            self.header = header
        sites = frame.get("sites")
        if sites:
            for sid, site in sites.items():
                self.sites[int(sid)] = tuple(site)
        if index == self._next_keyframe:
            self._keyframes.append(self.world.snapshot())
            self._keyframe_at.append(index - 1)
            # Space keyframes so a jump folds at most ~1,000 frames, wider only for small worlds
            # (where a snapshot is cheap but so is folding).
            self._next_keyframe = index + max(256, min(1024, 2 * (len(self.world.actors) + len(self.world.resources))))
        world = self.world
        world.apply(frame)
        self.times.append(frame["t"])
        self.ends.append(frame["t"] + frame.get("d", 0.0))
        slot = self._slot(frame["a"]) if frame["k"] in ("task", "thread") else -1
        self.actor_index.append(slot)
        if slot >= 0:
            self._frames_by_slot[slot].append(index)
        core = frame.get("core", -1)
        self.cores.append(core)
        if core >= self.core_count:
            self.core_count = core + 1
        actor = world.actors.get(frame["a"]) if frame["k"] == "thread" else None
        proc = int(actor.proc[1:]) if actor is not None and actor.proc else -1
        self.procs.append(proc)
        if core >= 0:
            frames, owners = self.core_owners.setdefault(core, (array("i"), array("b")))
            if not owners or owners[-1] != proc:
                frames.append(index)
                owners.append(proc)
        for actor_id in world.changed:
            actor = world.actors[actor_id]
            frames, codes = self.transitions.setdefault(actor_id, (array("i"), array("b")))
            code = STATE_CODES.get(actor.state, 0)
            if codes and frames[-1] == index:
                codes[-1] = code
            elif not codes or codes[-1] != code:
                frames.append(index)
                codes.append(code)
        self.stops.add(index, frame, world)
        for stream, text in (("out", frame.get("out")), ("err", frame.get("err"))):
            if text:
                self.output.append((index, stream, text))
                self._output_frames.append(index)
        self._tail.append(line)
        if len(self._tail) == BLOCK:
            self._blocks.append(zlib.compress("\n".join(self._tail).encode("utf-8"), 6))
            self._tail = []

    def _slot(self, actor_id: str) -> int:
        slot = self._actor_slot.get(actor_id)
        if slot is None:
            slot = self._actor_slot[actor_id] = len(self.actor_ids)
            self.actor_ids.append(actor_id)
            self._frames_by_slot.append(array("i"))
        return slot

    # -- reading -----------------------------------------------------------------------

    def _lines_of_block(self, block: int) -> list[str]:
        if block == len(self._blocks):
            return self._tail
        cached = self._block_cache.get(block)
        if cached is None:
            cached = zlib.decompress(self._blocks[block]).decode("utf-8").split("\n")
            self._block_cache[block] = cached
            if len(self._block_cache) > 8:
                self._block_cache.popitem(last=False)
        else:
            self._block_cache.move_to_end(block)
        return cached

    def line(self, index: int) -> str:
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} is outside 0..{len(self) - 1}")
        return self._lines_of_block(index // BLOCK)[index % BLOCK]

    def lines(self) -> Iterator[str]:
        """Every line as it was read (frames, then the summary once in): the bytes `trace --json` wrote."""
        for block in range(len(self._blocks) + 1):
            yield from self._lines_of_block(block)
        if self.summary_line is not None:
            yield self.summary_line

    def frame(self, index: int) -> Frame:
        """Frame `index` as its typed record (its line was checked when it was read)."""
        return decode_frame(self.line(index))

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[Frame]:
        stop = len(self) if stop is None else min(stop, len(self))
        for index in range(start, stop):
            yield self.frame(index)

    def state_at(self, index: int) -> World:
        """The world after frame `index` (-1: before the first frame)."""
        if index >= len(self):
            index = len(self) - 1
        cached = self._state_cache.get(index)
        if cached is not None:
            self._state_cache.move_to_end(index)
            return cached
        world = self._fresh_world(index)
        self._remember(index, world)
        return world

    def _remember(self, index: int, world: World) -> None:
        self._state_cache[index] = world
        if len(self._state_cache) > 16:
            self._state_cache.popitem(last=False)

    def _fresh_world(self, index: int) -> World:
        index = max(-1, min(index, len(self) - 1))
        position = bisect_right(self._keyframe_at, index) - 1
        if index == len(self) - 1 and index >= 0:
            return self.world.snapshot()
        previous = self._state_cache.get(index - 1)
        if previous is not None and index - 1 > self._keyframe_at[max(position, 0)]:
            # One step forward from a state we already have: apply a single frame.
            world = previous.snapshot()
            world.apply(self.frame(index))
            return world
        if position < 0:
            return World()
        world = self._keyframes[position].snapshot()
        start = self._keyframe_at[position] + 1
        if index < start:
            return world  # the keyframe is the world after this very frame
        for frame_index in range(start, index):
            world.apply(self.frame(frame_index))
        if index > start:
            # The world before this frame comes on the way, and a view asks for it next
            # (the narration compares the two): keep it rather than fold the same frames twice.
            self._remember(index - 1, world.snapshot())
        world.apply(self.frame(index))
        return world

    def output_until(self, index: int) -> list[tuple[int, str, str]]:
        """What the program printed in frames 0..index, as (frame, stream, text)."""
        return self.output[: bisect_right(self._output_frames, index)]

    def site(self, sid: int) -> tuple[str, int, str] | None:
        return self.sites.get(sid)

    def where(self, sites: Iterable[int]) -> str:
        """`file:line` of the innermost of these sites, or an empty string."""
        found = [self.sites.get(s) for s in sites]
        last = next((s for s in reversed(found) if s is not None), None)
        return f"{last[0]}:{last[1]}" if last else ""

    def frame_at_time(self, when: float) -> int:
        """The last frame that began at or before virtual time `when`."""
        return max(0, bisect_right(self.times, when) - 1)

    def frames_of(self, actor_id: str) -> array[int]:
        slot = self._actor_slot.get(actor_id)
        return self._frames_by_slot[slot] if slot is not None else array("i")

    def next_frame_of(self, actor_id: str, after: int, step: int = 1) -> int | None:
        """The next (step=1) or previous (step=-1) frame in which `actor_id` ran."""
        frames = self.frames_of(actor_id)
        position = bisect_right(frames, after)
        if step > 0:
            return frames[position] if position < len(frames) else None
        position -= 1
        if position >= 0 and frames[position] == after:
            position -= 1
        return frames[position] if position >= 0 else None

    def state_code(self, actor_id: str, index: int) -> int:
        """The state of an actor after frame `index` (0 if it did not exist yet)."""
        entry = self.transitions.get(actor_id)
        if entry is None:
            return 0
        frames, codes = entry
        position = bisect_right(frames, index) - 1
        return codes[position] if position >= 0 else 0

    def core_owner(self, core: int, index: int) -> int:
        """The process that last ran on `core` at or before frame `index` (-1: none yet)."""
        entry = self.core_owners.get(core)
        if entry is None:
            return -1
        frames, owners = entry
        position = bisect_right(frames, index) - 1
        return owners[position] if position >= 0 else -1

    @property
    def outcome(self) -> str | None:
        return self.summary.get("outcome") if self.summary else None


def load_lines(lines: Iterable[str]) -> Trace:
    """Fold a whole trace; anything malformed raises TraceFormatError, a trace cut short loads with `cut` set."""
    trace = Trace()
    for line, record in checked_records(lines, trace._check):
        trace.add_record(record, line)
    return trace


def load(path: str) -> Trace:
    """Read a saved trace (`concur-tui trace FILE --json > saved.jsonl`)."""
    with open(path, "rb") as handle:
        return load_lines(read_lines(handle))
