"""Provides the trace format's typed records: a frame, its definitions, the header and the summary.

These are the one definition of what a line of a trace holds (tui.trace.format
documents what each field means; tui.trace.check enforces these types when a
line is read; tui.trace.codec turns lines into these records and back). They
are TypedDicts: a frame stays the dict json makes (a million of them are read
when a long trace is opened), and mypy checks every field a viewer reads.

A test (tests/trace/test_schema.py) proves the three agree: every field here
has a check, every check a field here, and every line the recorder writes
decodes to a record that encodes back to the same bytes.
"""

# No `from __future__ import annotations` here: TypedDict reads NotRequired[...] from the
# annotations themselves when the class is made, which strings would hide.
from typing import Any, Literal, NotRequired, TypedDict

ActorKind = Literal["task", "cb", "timer", "thread"]


class TaskDefinition(TypedDict):
    """A task appears (`new`): its id, name, coroutine, creator and where it was defined."""

    task: str
    name: str
    coro: NotRequired[str]
    by: NotRequired[str | None]
    at: NotRequired[list[int]]
    internal: NotRequired[bool]
    eager: NotRequired[bool]


class ThreadDefinition(TypedDict):
    """A thread appears: its id, name, creator and process."""

    thread: str
    name: NotRequired[str]
    by: NotRequired[str | None]
    proc: NotRequired[str | None]


class ProcessDefinition(TypedDict):
    """A simulated process appears: its id (`P2`), name, pid and parent."""

    proc: str
    name: NotRequired[str]
    pid: NotRequired[int | None]
    parent: NotRequired[str | None]
    by: NotRequired[str | None]


class ResourceDefinition(TypedDict):
    """A resource appears: `Lock#1`, its kind, its name (the variable's), whose API made it."""

    res: str
    kind: str
    name: NotRequired[str | None]
    by: NotRequired[str | None]
    at: NotRequired[int | None]
    api: NotRequired[str]
    internal: NotRequired[bool]
    part_of: NotRequired[str | None]


Definition = TaskDefinition | ThreadDefinition | ProcessDefinition | ResourceDefinition


class Bytecode(TypedDict):
    """Where a preempted thread stopped: the line's instructions, and the offset before which it stopped."""

    line: int
    offset: int
    ops: list[list[Any]]


class Header(TypedDict, total=False):
    """Frame 0's `trace`: what was recorded, how, and on which Python."""

    format: str
    version: int
    scenario: str | None
    file: str | None
    seed: int | None
    max_frames: int | None
    python: str | None
    lesson: str | None
    source: str | None
    settings: dict[str, Any]


class _FrameCore(TypedDict):
    i: int
    t: float
    a: str
    k: ActorKind


class Frame(_FrameCore, total=False):
    """One scheduling step: who ran, why, where it stopped, and what changed (tui.trace.format)."""

    d: float
    h: int
    n: str
    why: list[Any]
    st: str
    on: str
    role: str
    wait: str
    until: float
    at: list[int]
    result: str
    error: str
    cpu: float
    stop: str
    core: int
    op: Bytecode
    exit: dict[str, int | None]
    name: str
    fired: list[int]
    ready: list[list[Any]]
    timers: list[list[Any]]
    cancel: list[int]
    new: list[Definition]
    names: dict[str, str]
    set: dict[str, dict[str, Any]]
    out: str
    err: str
    sites: dict[str, list[Any]]
    trace: Header


class Wait(TypedDict):
    """One waiter of a deadlock report: who, on what, in words, and who holds it."""

    actor: str
    name: str
    wait: str
    on: NotRequired[str | None]
    at: NotRequired[str | None]
    holders: NotRequired[list[str]]


class Report(TypedDict, total=False):
    """What the summary says about an exception, a deadlock or a stopped run."""

    text: str
    log: str
    traceback: str | None
    type: str | None
    message: str | None
    where: str | None
    actor: str | None
    name: str | None
    at: list[int]
    cycle: list[str]
    waits: list[Wait]


class AskedDecision(TypedDict, total=False):
    """The summary's `decision`: what scheduler mode asks a person next (tui.engine.schedule.Ask)."""

    kind: str
    candidates: list[str]
    time: float
    waiting: list[str]


class Summary(TypedDict, total=False):
    """The last line's `summary`: how the run ended (tui.trace.format.OUTCOMES) and what it printed."""

    format: str
    version: int
    outcome: str
    frames: int
    virtual_time: float
    result: str | None
    scenario: str | None
    seed: int | None
    stdout: str
    stderr: str
    stdout_truncated: int
    stderr_truncated: int
    threads: int
    exit_code: int | None
    error: str | None
    line: int | None
    file: str | None
    source: str | None
    report: Report
    schedule: list[int]
    deviations: list[list[Any]]
    candidate_counts: list[int]
    cuts_unreached: list[int]
    decision: AskedDecision


class SummaryLine(TypedDict):
    summary: Summary


Record = Frame | SummaryLine
"""What one line of a trace holds."""
