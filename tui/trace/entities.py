"""Provides what a World holds: an Actor (a task or a thread), a Resource and a Process, as of some frame.

Each is a slotted record that a World copies on write (`clone`), so a
snapshot shares every record until one changes (tui.trace.state).
"""

from __future__ import annotations

from typing import Any

from tui.trace.resources import ResourceState, read_state
from tui.trace.schema import Bytecode, ProcessDefinition, ResourceDefinition

LIVE_STATES = ("ready", "wait", "sleep", "blocked", "running")
ENDED_STATES = ("done", "failed", "cancelled")


class Process:
    """A simulated process: its name, pid, parent and, once it ended, its exit code."""

    __slots__ = ("created", "exitcode", "id", "name", "parent", "pid")

    def __init__(self, definition: ProcessDefinition, created: int) -> None:
        self.id: str = definition["proc"]
        self.name: str = definition.get("name", self.id)
        self.pid: int | None = definition.get("pid")
        self.parent: str | None = definition.get("parent")
        self.exitcode: int | None = None
        self.created = created

    @property
    def alive(self) -> bool:
        return self.exitcode is None

    def __repr__(self) -> str:
        return f"<Process {self.id} {self.name} pid={self.pid}>"


class Actor:
    """A task or a thread, as of some frame."""

    __slots__ = (
        "at",
        "by",
        "coro",
        "cpu",
        "created",
        "eager",
        "error",
        "gen",
        "id",
        "internal",
        "kind",
        "last",
        "name",
        "on",
        "op",
        "proc",
        "result",
        "role",
        "since",
        "state",
        "steps",
        "until",
        "wait",
    )

    def __init__(self, actor_id: str, kind: str, name: str, created: int, gen: int) -> None:
        self.id = actor_id
        self.kind = kind
        self.name = name
        self.coro = ""
        self.by: str | None = None
        self.internal = False
        self.eager = False
        """A task whose first step ran eagerly, inside its creator's step (3.12+)."""
        self.state = "ready" if kind == "task" else "running"
        self.on: str | None = None
        self.role: str | None = None
        self.wait: str | None = None
        self.until: float | None = None
        self.at: list[int] = []
        self.steps = 0
        self.result: str | None = None
        self.error: str | None = None
        self.since = created
        self.created = created
        self.cpu = 0.0
        """Virtual CPU seconds spent so far (threads)."""
        self.proc: str | None = None
        """The process a thread belongs to."""
        self.op: Bytecode | None = None
        """Where a preempted thread stopped: line, instruction offset, the line's bytecode."""
        self.last = -1
        """Index of the last frame in which this actor ran."""
        self.gen = gen

    def clone(self, gen: int) -> Actor:
        # Every slot spelled out, not a getattr/setattr loop: a seek clones thousands of actors
        # (tests/trace/test_model.py checks that no slot is missed).
        twin = Actor.__new__(Actor)
        twin.at = self.at
        twin.by = self.by
        twin.coro = self.coro
        twin.cpu = self.cpu
        twin.created = self.created
        twin.eager = self.eager
        twin.error = self.error
        twin.id = self.id
        twin.internal = self.internal
        twin.kind = self.kind
        twin.last = self.last
        twin.name = self.name
        twin.on = self.on
        twin.op = self.op
        twin.proc = self.proc
        twin.result = self.result
        twin.role = self.role
        twin.since = self.since
        twin.state = self.state
        twin.steps = self.steps
        twin.until = self.until
        twin.wait = self.wait
        twin.gen = gen
        return twin

    @property
    def ended(self) -> bool:
        return self.state in ENDED_STATES

    def __repr__(self) -> str:
        return f"<Actor {self.id} {self.name!r} {self.state}{' on ' + self.on if self.on else ''}>"


class Resource:
    """A lock, semaphore, event, condition, queue, barrier or future, as of some frame."""

    __slots__ = ("_state", "at", "by", "created", "gen", "id", "internal", "kind", "name", "part_of", "raw")

    def __init__(self, definition: ResourceDefinition, created: int, gen: int) -> None:
        self.id: str = definition["res"]
        self.kind: str = definition["kind"]
        self.name: str = definition.get("name") or self.id
        self.by: str | None = definition.get("by")
        self.internal: bool = bool(definition.get("internal"))
        self.part_of: str | None = definition.get("part_of")
        self.at: int | None = definition.get("at")
        self.raw: dict[str, Any] = {}
        """Its state as the last frame that changed it carried it (see `state` for the typed record)."""
        self._state: ResourceState | None = None
        self.created = created
        self.gen = gen

    def clone(self, gen: int) -> Resource:
        twin = Resource.__new__(Resource)
        twin._state = self._state
        twin.at = self.at
        twin.by = self.by
        twin.created = self.created
        twin.id = self.id
        twin.internal = self.internal
        twin.kind = self.kind
        twin.name = self.name
        twin.part_of = self.part_of
        twin.raw = self.raw
        twin.gen = gen
        return twin

    def set_raw(self, raw: dict[str, Any]) -> None:
        """A frame set its state: its record is read again from `raw` when a view next asks."""
        self.raw = raw
        self._state = None

    @property
    def state(self) -> ResourceState:
        """Its state as the record of its kind, read once per change (tui.trace.resources)."""
        state = self._state
        if state is None:
            state = self._state = read_state(self.kind, self.raw)
        return state

    @property
    def shown(self) -> str:
        """`lock (Lock#1)`, or just `Lock#1` when no variable name was found."""
        return self.id if self.name == self.id else f"{self.name} ({self.id})"

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.name!r} {self.state}>"
