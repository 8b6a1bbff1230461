"""Provides World: the state of every actor and resource after a frame, and how a frame changes it.

Folding frames into a World is the only way views learn anything: the world
after frame i is the world after frame i-1 with frame i's deltas applied.
Records (tui.trace.entities) are copied on write, so a snapshot (a keyframe)
costs one dict copy, not a copy of every actor.
"""

from __future__ import annotations

from typing import Any, cast

from tui.trace.entities import ENDED_STATES, LIVE_STATES, Actor, Process, Resource
from tui.trace.schema import Definition, Frame, ProcessDefinition, TaskDefinition, ThreadDefinition

__all__ = ("ENDED_STATES", "LIVE_STATES", "Actor", "Process", "Resource", "World")


def _copy_process(process: Process) -> Process:
    twin = Process.__new__(Process)
    for slot in Process.__slots__:
        setattr(twin, slot, getattr(process, slot))
    return twin


class World:
    """Everything a view shows at one frame."""

    __slots__ = (
        "actors",
        "changed",
        "core",
        "gen",
        "index",
        "processes",
        "ready",
        "resources",
        "running",
        "time",
        "timers",
    )

    def __init__(self) -> None:
        self.index = -1
        self.time = 0.0
        self.gen = 0
        self.running: str | None = None
        """Actor id of the task or thread that ran in this frame, or a callback's label."""
        self.actors: dict[str, Actor] = {}
        self.resources: dict[str, Resource] = {}
        self.ready: list[list[Any]] = []
        """The loop's ready queue, in order: [handle id, task id or label, cancelled]."""
        self.timers: dict[int, tuple[float, str, str]] = {}
        """The timer heap: handle id -> (due time, owner actor, label)."""
        self.changed: list[str] = []
        """Actors whose state changed in the last applied frame."""
        self.processes: dict[str, Process] = {}
        self.core: int | None = None
        """The core the frame's actor ran on (threads of simulated processes)."""

    def snapshot(self) -> World:
        """A frozen copy: records now shared are cloned before the next change."""
        self.gen += 1
        twin = World.__new__(World)
        twin.index = self.index
        twin.time = self.time
        twin.gen = self.gen
        twin.running = self.running
        twin.actors = dict(self.actors)
        twin.resources = dict(self.resources)
        twin.ready = [list(entry) for entry in self.ready]
        twin.timers = dict(self.timers)
        twin.changed = list(self.changed)
        twin.processes = {key: _copy_process(p) for key, p in self.processes.items()}
        twin.core = self.core
        return twin

    def _actor(self, actor_id: str) -> Actor | None:
        actor = self.actors.get(actor_id)
        if actor is not None and actor.gen != self.gen:
            actor = self.actors[actor_id] = actor.clone(self.gen)
        return actor

    def _resource(self, rid: str) -> Resource | None:
        resource = self.resources.get(rid)
        if resource is not None and resource.gen != self.gen:
            resource = self.resources[rid] = resource.clone(self.gen)
        return resource

    # -- queries -----------------------------------------------------------------------

    def waiters(self, rid: str, role: str | None = None) -> list[Actor]:
        """Actors waiting on a resource, longest-waiting first."""
        found = [
            a
            for a in self.actors.values()
            if a.on == rid and a.state in ("wait", "blocked") and (role is None or a.role == role)
        ]
        found.sort(key=lambda a: (a.since, a.id))
        return found

    def own_resources(self) -> list[Resource]:
        """The resources the program made, in the order it made them.

        The library's parts of them (the Lock inside a Condition, a Queue's
        `finished` Event, a Barrier's Condition) are not listed on their own:
        their state is the owner's, and their waiters are listed with it (see parts_of).
        """
        return [r for r in self.resources.values() if not r.internal]

    def parts_of(self, rid: str) -> list[Resource]:
        """The library-made resources inside resource `rid`, at any depth (a Barrier's Condition's Lock)."""
        return self.parts_by_owner().get(rid, [])

    def parts_by_owner(self) -> dict[str, list[Resource]]:
        """Every library-made part, under the program's own resource it belongs to (one pass)."""
        found: dict[str, list[Resource]] = {}
        for resource in self.resources.values():
            owner = resource
            while owner.internal and owner.part_of is not None and owner.part_of in self.resources:
                owner = self.resources[owner.part_of]
            if owner is not resource:
                found.setdefault(owner.id, []).append(resource)
        return found

    def tasks(self) -> list[Actor]:
        return [a for a in self.actors.values() if a.kind == "task"]

    def threads(self) -> list[Actor]:
        return [a for a in self.actors.values() if a.kind == "thread"]

    def name(self, actor_id: str | None) -> str:
        if actor_id is None:
            return "nobody"
        actor = self.actors.get(actor_id)
        if actor is not None:
            return actor.name
        resource = self.resources.get(actor_id)
        if resource is not None:
            return resource.shown
        process = self.processes.get(actor_id)
        if process is not None:
            return f"{process.name} (pid {process.pid})"
        return actor_id

    # -- folding ------------------------------------------------------------------------

    def apply(self, frame: Frame) -> None:
        """Advance this world by one frame."""
        index = frame["i"]
        self.index = index
        self.time = frame["t"] + frame.get("d", 0.0)
        changed: list[str] = []
        self.changed = changed

        fired = frame.get("fired")
        if fired:
            for hid in fired:
                timer = self.timers.pop(hid, None)
                self.ready.append([hid, timer[2] if timer else "timer", False])
        ran = frame.get("h")
        if ran is not None:
            self._take_ready(ran)

        for definition in frame.get("new", ()):
            self._define(definition, index)

        actor_id = frame["a"]
        kind = frame["k"]
        self.core = frame.get("core")
        exits = frame.get("exit")  # `get(key, {})` would build a dict for every frame
        for proc, code in exits.items() if exits else ():
            process = self.processes.get(proc)
            if process is not None:
                process.exitcode = code
                # A terminated process's threads never report again: they end with it.
                for other in list(self.actors.values()):
                    if other.proc == proc and not other.ended and other.id != frame["a"]:
                        ended = self._actor(other.id)
                        if ended is not None:
                            ended.state = "done"
                            ended.since = index
        if kind == "task" or kind == "thread":
            self.running = actor_id
            actor = self._actor(actor_id)
            if actor is not None:
                self._update_actor(actor, frame, index)
                changed.append(actor_id)
        else:
            self.running = frame.get("n", actor_id)

        for hid, who, *_cancel in frame.get("ready", ()):
            self.ready.append([hid, who, False])
            if who != actor_id:
                woken = self._actor(who)
                if woken is not None and woken.state != "ready":
                    woken.state = "ready"
                    woken.since = index
                    woken.on = woken.wait = woken.role = None
                    woken.until = None
                    changed.append(who)
        for hid, when, owner, label in frame.get("timers", ()):
            self.timers[hid] = (when, owner, label)
        for hid in frame.get("cancel", ()):
            if self.timers.pop(hid, None) is None:
                for entry in self.ready:
                    if entry[0] == hid:
                        entry[2] = True
                        break
        names = frame.get("names")
        for renamed, name in names.items() if names else ():
            actor = self._actor(renamed)
            if actor is not None:
                actor.name = name
        states = frame.get("set")
        if states:
            for rid, state in states.items():
                resource = self._resource(rid)
                if resource is not None:
                    resource.set_raw(state)

    def _take_ready(self, hid: int) -> None:
        """Pop the handle that ran; cancelled handles ahead of it were skipped on the way."""
        ready = self.ready
        if ready and ready[0][0] == hid:
            del ready[0]  # the usual case: the handle at the front ran
            return
        for position, entry in enumerate(ready):
            if entry[0] == hid:
                ahead = [e for e in ready[:position] if not e[2]]
                ready[: position + 1] = ahead
                return

    def _define(self, definition: Definition, index: int) -> None:
        # Which definition it is, is said by its id field (a thread's definition has a `proc` too).
        if "task" in definition:
            task = cast(TaskDefinition, definition)
            actor = Actor(task["task"], "task", task.get("name", ""), index, self.gen)
            actor.coro = task.get("coro", "")
            actor.by = task.get("by")
            actor.internal = bool(task.get("internal"))
            actor.eager = bool(task.get("eager"))
            actor.at = list(task.get("at", ()))
            self.actors[actor.id] = actor
        elif "thread" in definition:
            thread = cast(ThreadDefinition, definition)
            actor = Actor(thread["thread"], "thread", thread.get("name", ""), index, self.gen)
            actor.by = thread.get("by")
            actor.proc = thread.get("proc")
            actor.state = "ready" if actor.by else "running"
            self.actors[actor.id] = actor
        elif "proc" in definition:
            process = cast(ProcessDefinition, definition)
            self.processes[process["proc"]] = Process(process, index)
        elif "res" in definition:
            self.resources[definition["res"]] = Resource(definition, index, self.gen)

    @staticmethod
    def _update_actor(actor: Actor, frame: Frame, index: int) -> None:
        state = frame.get("st", actor.state)
        if state != actor.state or frame.get("on") != actor.on:
            actor.since = index
        actor.state = state
        actor.on = frame.get("on")
        actor.role = frame.get("role")
        actor.wait = frame.get("wait")
        actor.until = frame.get("until")
        if "at" in frame:
            actor.at = frame["at"]
        actor.steps += 1
        actor.last = index
        actor.cpu += frame.get("cpu", 0.0)
        actor.op = frame.get("op")
        if "result" in frame:
            actor.result = frame["result"]
        if "error" in frame:
            actor.error = frame["error"]
        if "name" in frame:
            actor.name = frame["name"]
