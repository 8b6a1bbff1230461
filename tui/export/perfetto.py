"""Provides the trace as Chrome/Perfetto trace-event JSON, which ui.perfetto.dev and chrome://tracing open.

One process per simulated process, one track (a "thread" of the format) per
task and thread, and one per process for the event loop's own callbacks and
timers. Every frame is one complete slice ("X") on its actor's track, at its
virtual time in microseconds; every wake-up is an instant ("i") on the woken
actor's track and, when the frame that woke it is known, a flow arrow ("s" to
"f") from that frame's slice to the woken one's. The mapping to pids and tids
follows the order things appear in the trace, so the same trace always gives
the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tui import __version__
from tui.render.listing import who_ran
from tui.trace.model import Trace
from tui.trace.narrate import narrate
from tui.trace.schema import Frame
from tui.trace.state import World

WAKE_KINDS = ("wake", "cancel", "resume")
"""Why an actor ran, when another actor's step is what let it run (tui.trace.format: `why`)."""

LOOP_TRACK = "event loop (callbacks and timers)"

Event = dict[str, Any]


def microseconds(seconds: float) -> float:
    """Virtual seconds as the format's microseconds, to the whole nanosecond (so a float's noise stays out)."""
    return round(seconds * 1e9) / 1000


@dataclass(frozen=True)
class Track:
    pid: int
    tid: int
    name: str


class Tracks:
    """Who goes on which track: pids in the order processes appear, tids in the order actors do."""

    def __init__(self, trace: Trace) -> None:
        world = trace.world  # the world after the last frame: every process and actor ever defined
        self.world = world
        self.pids: dict[str, int] = {pid: number for number, pid in enumerate(world.processes, 1)}
        self.main_pid = next(iter(self.pids.values()), 1)
        self.actors: dict[str, Track] = {}
        for tid, actor in enumerate(world.actors.values(), 1):
            name = f"{actor.name} ({actor.id})" if actor.name != actor.id else actor.id
            self.actors[actor.id] = Track(self._pid_of(actor.id), tid, name)
        first_loop_tid = len(self.actors) + 1
        self.loops: dict[int, Track] = {
            pid: Track(pid, first_loop_tid + number, LOOP_TRACK)
            for number, pid in enumerate(sorted({*self.pids.values(), self.main_pid}))
        }
        self.loops_used: set[int] = set()
        """The pids whose loop track has a slice: only those are named (an empty track is noise)."""

    def _pid_of(self, actor_id: str) -> int:
        """A thread's process, or for a task the process of the thread its creators lead back to."""
        seen: set[str] = set()
        current: str | None = actor_id
        while current is not None and current not in seen:
            seen.add(current)
            actor = self.world.actors.get(current)
            if actor is None:
                break
            if actor.kind == "thread":
                return self.pids.get(actor.proc or "", self.main_pid)
            current = actor.by
        return self.main_pid

    def of(self, frame: Frame, world: World) -> Track:
        """The track a frame's slice goes on."""
        found = self.actors.get(frame["a"]) if frame["k"] in ("task", "thread") else None
        if found is not None:
            return found
        # A loop callback or timer: the loop of the process whose thread is running an event loop.
        looping = next((a for a in world.actors.values() if a.kind == "thread" and a.state == "loop"), None)
        pid = self.pids.get(looping.proc or "", self.main_pid) if looping is not None else self.main_pid
        self.loops_used.add(pid)
        return self.loops[pid]

    def metadata(self, trace: Trace) -> Iterator[Event]:
        for process_id, pid in self.pids.items():
            process = self.world.processes[process_id]
            name = f"{process.name} ({process_id}, pid {process.pid})" if process.pid is not None else process.name
            yield _meta("process_name", pid, 0, {"name": name})
            yield _meta("process_sort_index", pid, 0, {"sort_index": pid})
        if not self.pids:  # a trace without a process definition: name the one process after the program
            yield _meta("process_name", self.main_pid, 0, {"name": str(trace.header.get("file") or "program")})
        loops = [track for pid, track in self.loops.items() if pid in self.loops_used]
        for track in [*self.actors.values(), *loops]:
            yield _meta("thread_name", track.pid, track.tid, {"name": track.name})
            yield _meta("thread_sort_index", track.pid, track.tid, {"sort_index": track.tid})


def _meta(name: str, pid: int, tid: int, args: dict[str, Any]) -> Event:
    return {"name": name, "ph": "M", "ts": 0, "pid": pid, "tid": tid, "args": args}


def wakers(trace: Trace) -> dict[int, int]:
    """For each frame whose actor was woken (WAKE_KINDS), the frame whose step woke it, where the trace says.

    A loop step's handle was put in the ready queue by one earlier frame (its
    `ready`); a thread's waker is named in its `why`, and its step is that
    actor's last one before (a callback's: the last loop frame before).
    """
    queued_by: dict[int, int] = {}
    last_loop_frame = -1
    found: dict[int, int] = {}
    for index, frame in enumerate(trace.frames()):
        why = frame.get("why") or [""]
        if why[0] in WAKE_KINDS:
            source: int | None = queued_by.get(frame["h"]) if "h" in frame else None
            by = why[2] if len(why) > 2 else None
            if source is None and isinstance(by, str):
                source = last_loop_frame if by == "cb" else trace.next_frame_of(by, index, -1)
            if source is not None and 0 <= source < index:
                found[index] = source
        for entry in frame.get("ready", ()):
            queued_by[entry[0]] = index
        if frame["k"] in ("cb", "timer"):
            last_loop_frame = index
    return found


def _slice_name(frame: Frame) -> str:
    if frame["k"] in ("cb", "timer"):
        label = frame.get("n", "callback")
        return f"timer {label}" if frame["k"] == "timer" else label
    state = frame.get("st", "step")
    on = frame.get("on")
    return f"{state} {on}" if on and on != state else state


def _slice(trace: Trace, index: int, frame: Frame, track: Track) -> Event:
    """The frame's step as a complete slice, with what the app would say of it in its args."""
    world = trace.state_at(index)
    before = trace.state_at(index - 1) if index else None
    where = {"pid": track.pid, "tid": track.tid, "ts": microseconds(frame["t"])}
    args: dict[str, Any] = {"frame": index + 1, "narration": narrate(frame, world, before)}
    for key in ("st", "on", "wait", "error", "result"):
        if frame.get(key) is not None:
            args[key] = frame[key]
    if frame.get("at"):
        args["at"] = trace.where(frame["at"])
    # The end is rounded as the next step's start is (from t + d, not from the rounded t and d), so
    # one actor's steps never overlap by a rounding: a viewer drops a slice that overlaps another.
    dur = max(0.0, round(microseconds(frame["t"] + frame.get("d", 0.0)) - where["ts"], 3))
    return {"name": _slice_name(frame), "cat": "step", "ph": "X", **where, "dur": dur, "args": args}


def _wake_instant(frame: Frame, world: World, where: dict[str, Any]) -> Event:
    why = frame.get("why") or [""]
    by = why[2] if len(why) > 2 and isinstance(why[2], str) else None
    args = {"woken": who_ran(frame, world)}
    if by:
        args["by"] = "loop" if by == "cb" else world.name(by)
    if len(why) > 1:
        args["on"] = str(why[1])
    return {"name": str(why[0]), "cat": "wake", "ph": "i", "s": "t", **where, "args": args}


def _flow(phase: str, flow_id: int, where: dict[str, Any]) -> Event:
    """One end of a wake-up arrow; both ends share name and category, which with the id make the pair."""
    event: Event = {"name": "wake", "cat": "wake", "ph": phase, "id": flow_id, **where}
    if phase == "f":
        event["bp"] = "e"  # bind to the slice it falls in (the woken step), not the next one
    return event


def trace_events(trace: Trace) -> dict[str, Any]:
    """The whole trace as a trace-event JSON object."""
    tracks = Tracks(trace)
    woke = wakers(trace)
    flow_into = {woken: flow_id for flow_id, woken in enumerate(sorted(woke), 1)}
    """Flows are numbered in the order of the frames they wake."""
    flows_from: dict[int, list[int]] = {}
    for woken, flow_id in flow_into.items():
        flows_from.setdefault(woke[woken], []).append(flow_id)
    events: list[Event] = []
    for index, frame in enumerate(trace.frames()):
        world = trace.state_at(index)
        track = tracks.of(frame, world)
        # The slice, then the flows ending and starting at it, then its wake-up instant, all at
        # the slice's start and in that order: a viewer binds a flow event to the slice open on
        # its track at its time, and a slice of no length (a step that took no virtual time) is
        # open only there; the instant, a slice of no length too, must not be what they bind to.
        step = [_slice(trace, index, frame, track)]
        where = {"pid": track.pid, "tid": track.tid, "ts": step[0]["ts"]}
        if index in flow_into:
            step.append(_flow("f", flow_into[index], where))
        step.extend(_flow("s", flow_id, where) for flow_id in flows_from.get(index, ()))
        if (frame.get("why") or [""])[0] in WAKE_KINDS:
            step.append(_wake_instant(frame, world, where))
        events += step
    events[:0] = tracks.metadata(trace)  # after the slices: only the loop tracks that have one are named
    summary = trace.summary or {}
    header = trace.header
    other = {
        "exporter": f"concur-tui {__version__}",
        "scenario": header.get("file") or summary.get("scenario"),
        "python": header.get("python"),
        "seed": header.get("seed"),
        "outcome": summary.get("outcome"),
        "frames": len(trace),
        "virtual_time_s": summary.get("virtual_time"),
    }
    return {"traceEvents": events, "displayTimeUnit": "ms", "otherData": other}


def perfetto_json(trace: Trace) -> str:
    """trace_events() as text: one event a line, so a diff of two exports reads event by event."""
    document = trace_events(trace)
    events = document.pop("traceEvents")
    rest = json.dumps(document, allow_nan=False, sort_keys=True)
    lines = ",\n".join(json.dumps(event, allow_nan=False) for event in events)
    return f'{{"traceEvents": [\n{lines}\n],\n{rest[1:-1]}}}\n'
