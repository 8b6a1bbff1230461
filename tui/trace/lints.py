"""Provides lints(): the warnings a recorded run deserves, like tokio-console's, each linked to its frames.

Every warning is read from the trace alone, in one pass over its frames:

- blocking-call: a task's step took virtual time without awaiting (tui.trace.blocking);
- lock-across-await: a task took a threading lock and awaited while its thread held it;
- never-awaited: CPython's "coroutine ... was never awaited" RuntimeWarning, in the stderr
  the program wrote (the trace's `err`), which is where CPython decides it;
- exception-never-retrieved: asyncio's "Task exception was never retrieved", likewise;
- thread-never-joined: a thread still running when its process's main thread left the
  program's code, so no join() of the program ever returned for it;
- executor-not-shut-down: an executor whose shutdown() the program's code never reached
  (the interpreter's exit shut it down, or nobody did).

A join() of a thread that had already ended leaves no mark in a trace, so a
thread that ended before the program's code did is never reported: the lint
is silent where the trace cannot tell.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.trace.blocking import BlockingSteps
from tui.trace.model import Trace
from tui.trace.resources import ExecutorState
from tui.trace.schema import Frame
from tui.trace.state import World

__all__ = ("KINDS", "LintWarning", "lints")

KINDS = {
    "blocking-call": "a step of a coroutine took virtual time without awaiting",
    "lock-across-await": "a threading lock was held across an await",
    "never-awaited": "a coroutine was never awaited",
    "exception-never-retrieved": "a task's exception was never retrieved",
    "thread-never-joined": "a thread was never joined",
    "executor-not-shut-down": "an executor was never shut down",
}
"""Each warning's kind and what it means, in the order they are listed."""

OWNED_LOCKS = frozenset({"Lock", "RLock", "Condition"})
"""threading primitives held by one thread at a time: their state names the owner."""

_NEVER_AWAITED = re.compile(
    r"^(?P<file>.*?):(?P<line>\d+): RuntimeWarning: coroutine '(?P<name>[^']+)' was never awaited$", re.M
)
_NEVER_RETRIEVED = re.compile(r"(?P<what>Task|Future) exception was never retrieved\s*\nfuture: <(?P<repr>[^\n]*)")
_REPR_NAME = re.compile(r"""name=(?P<name>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
_DEFINED_AT = re.compile(r"defined at (?P<file>.+?):(?P<line>\d+)>")
_EXCEPTION = re.compile(r"exception=(?P<exc>.*)>$")


@dataclass(frozen=True, slots=True)
class LintWarning:
    """One warning: what kind, in words, where in the program, whose, and the frames that show it."""

    kind: str
    message: str
    where: str
    """`file:line` in the program, or "" when the trace does not say."""
    actor: str | None
    """The task or thread it is about (an id: "T3", "Th2"), if any."""
    frames: tuple[int, ...]
    """Frame indexes (0-based, as the trace's `i`), in order: the first one shows it best."""


@dataclass
class _Found:
    kind: str
    message: str
    where: str
    actor: str | None
    frames: list[int] = field(default_factory=list)

    def frozen(self) -> LintWarning:
        return LintWarning(self.kind, self.message, self.where, self.actor, tuple(sorted(set(self.frames))))


@dataclass
class _ThreadLife:
    proc: str | None
    created: int
    start_at: list[int] = field(default_factory=list)
    ended: int | None = None
    joined: bool = False
    ran_users_code: bool = False
    """Some frame of it stopped in the program's code (a library's own helper thread never does)."""


@dataclass
class _ProcessEnd:
    """Where a process's main thread left the program's code: its first frame outside it, for good."""

    main: str
    leaves: int | None = None


class _Pass:
    """The one fold over a trace's frames that every lint reads."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.world = World()
        self.found: list[_Found] = []
        self.blocking = BlockingSteps()
        self.threading_locks: set[str] = set()
        self.held: dict[str, tuple[str, int]] = {}
        """threading lock id -> (task that took it, frame), while its thread holds it."""
        self.across: dict[tuple[str, str], _Found] = {}
        self.threads: dict[str, _ThreadLife] = {}
        self.ends: dict[str, _ProcessEnd] = {}
        self.workers: set[str] = set()
        self.executors: dict[str, tuple[int, int | None]] = {}
        """executor id -> (frame that made it, first frame it was shut down in)."""

    def run(self) -> list[LintWarning]:
        for index, frame in enumerate(self.trace.frames()):
            self.world.apply(frame)
            self._see(index, frame)
        self._blocking_calls()
        self._unjoined_threads()
        self._executors_left()
        grouped: dict[tuple[str, str, str], _Found] = {}
        for found in self.found:
            key = (found.kind, found.where or f"{found.actor}", found.message)
            if key in grouped:
                grouped[key].frames.extend(found.frames)
            else:
                grouped[key] = found
        warnings = [found.frozen() for found in grouped.values()]
        warnings.sort(key=lambda w: (w.frames[0] if w.frames else -1, list(KINDS).index(w.kind)))
        return warnings

    # -- the fold -------------------------------------------------------------------------

    def _see(self, index: int, frame: Frame) -> None:
        actor = self.world.actors.get(frame["a"])
        self.blocking.add(index, frame, internal=actor is not None and actor.internal)
        for definition in frame.get("new", ()):
            self._define(index, frame, definition)
        changed = frame.get("set")
        if changed:
            self._resources_changed(index, frame, changed)
        if frame["k"] == "task":
            self._task_step(index, frame)
        elif frame["k"] == "thread":
            self._thread_frame(index, frame)
        on = frame.get("on")
        if on in self.threads and frame.get("at"):
            self.threads[on].joined = True  # the program's own join() waited for it
        err = frame.get("err")
        if err:
            self._stderr(index, frame, err)

    def _define(self, index: int, frame: Frame, definition: Mapping[str, Any]) -> None:
        if "thread" in definition:
            tid = str(definition["thread"])
            proc = definition.get("proc")
            proc_id = str(proc) if proc is not None else None
            if (proc_id or "") not in self.ends:
                self.ends[proc_id or ""] = _ProcessEnd(tid)  # a process's first thread is its main one
            else:
                self.threads[tid] = _ThreadLife(proc_id, index, list(frame.get("at") or ()))
        elif "res" in definition:
            rid = str(definition["res"])
            threading_lock = definition.get("api") == "threading" and definition.get("kind") in OWNED_LOCKS
            if threading_lock and not definition.get("internal"):
                self.threading_locks.add(rid)
            if definition.get("kind") == "Executor":
                self.executors[rid] = (index, None)

    def _resources_changed(self, index: int, frame: Frame, changed: dict[str, dict[str, object]]) -> None:
        for rid, raw in changed.items():
            if rid in self.threading_locks:
                if raw.get("locked") and raw.get("owner") is not None:
                    if frame["k"] == "task" and rid not in self.held:
                        self.held[rid] = (frame["a"], index)
                else:
                    taken = self.held.pop(rid, None)
                    if taken is not None and (rid, taken[0]) in self.across:
                        self.across.pop((rid, taken[0])).frames.append(index)
            if rid in self.executors:
                resource = self.world.resources.get(rid)
                state = resource.state if resource is not None else None
                if isinstance(state, ExecutorState):
                    self.workers.update(state.workers)
                    made, shut = self.executors[rid]
                    if state.shutdown and shut is None:
                        self.executors[rid] = (made, index)

    def _task_step(self, index: int, frame: Frame) -> None:
        if frame.get("st") not in ("wait", "sleep", "ready"):
            return  # not an await: the step goes on (blocked, running) or the task ended
        task = frame["a"]
        for rid, (taker, taken_at) in self.held.items():
            if taker != task or (rid, task) in self.across:
                continue
            lock = self.world.resources.get(rid)
            shown = f"{lock.shown}, a threading.{lock.kind}" if lock is not None else rid
            where = self.trace.where(frame.get("at") or ())
            found = _Found(
                "lock-across-await",
                f"{self.world.name(task)} awaits while holding {shown}: the loop's thread keeps it held,"
                " and any task that takes it meanwhile blocks the whole loop (use asyncio.Lock)",
                where,
                task,
                [taken_at, index],
            )
            self.found.append(found)
            self.across[(rid, task)] = found

    def _thread_frame(self, index: int, frame: Frame) -> None:
        tid = frame["a"]
        life = self.threads.get(tid)
        if life is not None:
            if life.ended is None and frame.get("st") in ("done", "failed"):
                life.ended = index
            if frame.get("at"):
                life.ran_users_code = True
        actor = self.world.actors.get(tid)
        end = self.ends.get((actor.proc if actor is not None else None) or "")
        if end is not None and end.main == tid:
            if frame.get("at"):
                end.leaves = None  # still (or again) in the program's code
            elif end.leaves is None:
                end.leaves = index

    def _stderr(self, index: int, frame: Frame, err: str) -> None:
        actor = frame["a"] if frame["k"] in ("task", "thread") else None
        for match in _NEVER_AWAITED.finditer(err):
            where = f"{self._short(match['file'])}:{match['line']}"
            self.found.append(
                _Found(
                    "never-awaited",
                    f"coroutine {match['name']}() was called but never awaited, so it never ran"
                    " (await it, or wrap it in asyncio.create_task())",
                    where,
                    actor,
                    [index],
                )
            )
        for match in _NEVER_RETRIEVED.finditer(err):
            self.found.append(self._never_retrieved(index, actor, match["what"], match["repr"]))

    def _never_retrieved(self, index: int, actor: str | None, what: str, shown: str) -> _Found:
        named = _REPR_NAME.search(shown)
        name = _literal(named["name"]) if named else None
        failed = [
            task
            for task in self.world.tasks()
            if name is not None and task.name == name and task.state == "failed" and task.last <= index
        ]
        task = max(failed, key=lambda t: t.last) if failed else None
        defined = _DEFINED_AT.search(shown)
        if task is not None:
            where = self.trace.where(task.at) or (self._defined(defined) if defined else "")
            error = task.error or "an exception"
            return _Found(
                "exception-never-retrieved",
                f"task {task.name} failed with {error}, and nothing awaited it or called its exception()",
                where,
                task.id,
                [task.last, index],
            )
        raised = _EXCEPTION.search(shown)
        error = raised["exc"] if raised else "an exception"
        subject = f"task {name}" if name is not None else "a future" if what == "Future" else "a task"
        return _Found(
            "exception-never-retrieved",
            f"{subject} failed with {error}, and nothing awaited it or called its exception()",
            self._defined(defined) if defined else "",
            actor,
            [index],
        )

    # -- after the fold ------------------------------------------------------------------

    def _blocking_calls(self) -> None:
        for step in self.blocking.found:
            name = self.world.name(step.actor)
            took = f"{step.seconds:.3f}s of virtual time"
            if step.blocked_at:
                where = self.trace.where(step.blocked_at)
                how = f"blocked its thread for {took} inside one step (a blocking call in a coroutine)"
            elif step.stopped_at:
                where = self.trace.where(step.stopped_at)
                how = f"ran {took} without awaiting, up to this await (a blocking call or CPU work)"
            else:
                where, whence = self._step_start(step.actor, step.frames[0])
                how = f"ran {took} without awaiting, from {whence} to its end (a blocking call or CPU work)"
            self.found.append(
                _Found(
                    "blocking-call",
                    f"{name} {how}: no other task could run meanwhile",
                    where,
                    step.actor,
                    step.frames,
                )
            )

    def _step_start(self, actor_id: str, first: int) -> tuple[str, str]:
        """Where a step began, and that in words: the task's last await, else its coroutine's first line."""
        previous = self.trace.next_frame_of(actor_id, first, -1)
        if previous is not None:
            where = self.trace.where(self.trace.frame(previous).get("at") or ())
            if where:
                return where, "this await"
        actor = self.world.actors.get(actor_id)
        return (self.trace.where(actor.at) if actor is not None else ""), "its start"

    def _unjoined_threads(self) -> None:
        for tid, life in self.threads.items():
            end = self.ends.get(life.proc or "")
            if end is None or end.leaves is None or tid in self.workers or life.joined or not life.ran_users_code:
                continue
            if life.created >= end.leaves or (life.ended is not None and life.ended < end.leaves):
                continue  # it ended before the program's code did: whether it was joined, the trace cannot tell
            main = self.world.name(end.main)
            if life.ended is not None:
                fate = f"the interpreter's exit waited for it after {main} left the program's code"
            else:
                fate = "it was still running when the program ended, and died with it (a daemon thread)"
            self.found.append(
                _Found(
                    "thread-never-joined",
                    f"thread {self.world.name(tid)} was never joined: {fate}",
                    self.trace.where(life.start_at),
                    tid,
                    [life.created, end.leaves, *([life.ended] if life.ended is not None else [])],
                )
            )

    def _executors_left(self) -> None:
        for rid, (made, shut) in self.executors.items():
            resource = self.world.resources.get(rid)
            if resource is None or resource.internal:
                continue
            creator = self.world.actors.get(resource.by or "")
            end = self.ends.get((creator.proc if creator is not None else None) or "")
            if end is None:
                end = self.ends.get("P0")
            if end is None or end.leaves is None or (shut is not None and shut < end.leaves):
                continue
            after = "only the interpreter's exit shut it down" if shut is not None else "nothing shut it down"
            where = self.trace.where([resource.at]) if resource.at is not None else ""
            self.found.append(
                _Found(
                    "executor-not-shut-down",
                    f"executor {resource.shown} was never shut down by the program: {after}"
                    " (use `with`, or call shutdown())",
                    where,
                    resource.by,
                    [made, end.leaves, *([shut] if shut is not None else [])],
                )
            )

    # -- names -----------------------------------------------------------------------------

    def _short(self, path: str) -> str:
        """A file as the trace's sites name it (CPython's messages give the full path)."""
        known = {site[0] for site in self.trace.sites.values()}
        file = self.trace.header.get("file")
        if file:
            known.add(str(file))
        for name in known:
            if path == name or path.endswith("/" + name):
                return name
        return path

    def _defined(self, match: re.Match[str]) -> str:
        return f"{self._short(match['file'])}:{match['line']}"


def _literal(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def lints(trace: Trace) -> list[LintWarning]:
    """Every warning of `trace`, ordered by the first frame that shows it."""
    return _Pass(trace).run()


def summary(warnings: Iterable[LintWarning]) -> str:
    """`3 warnings (2 blocking-call, 1 never-awaited)`, or `no warnings`."""
    counts: dict[str, int] = {}
    for warning in warnings:
        counts[warning.kind] = counts.get(warning.kind, 0) + 1
    total = sum(counts.values())
    if not total:
        return "no warnings"
    parts = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    return f"{total} warning{'s' * (total != 1)} ({parts})"
