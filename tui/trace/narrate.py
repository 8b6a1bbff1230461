"""Provides narrate(): one plain-language sentence saying what a frame did and why.

The sentence has three parts: why the actor could run ("wakes because lock
(Lock#1) was released by worker-1"), what it did to the resources on the way
("takes lock (Lock#1), waking worker-3"), and where it stopped ("now sleeps
until t=2.000s"). It is built from the frame and the worlds before and after
it, never from the program.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from tui.trace.blocking import took_without_awaiting
from tui.trace.resources import (
    BarrierState,
    EventState,
    FutureState,
    LockState,
    QueueState,
    ResourceState,
    RLockState,
    SemaphoreState,
)
from tui.trace.schema import Frame, TaskDefinition
from tui.trace.state import World
from tui.trace.waits import wait_now

_WAKE_VERBS = {
    "Lock": "was released",
    "RLock": "was released",
    "Semaphore": "had a slot free",
    "BoundedSemaphore": "had a slot free",
    "Event": "was set",
    "Condition": "was notified",
    "Barrier": "tripped (all its parties arrived)",
    "Future": "got its result",
    "Socket": "has data",
}
_FUTURE_VERBS = {
    "done": "sets the result of",
    "cancelled": "cancels",
    "failed": "sets an error on",
    "running": "starts the work of",
}
_QUEUE_VERBS = {"put": "has room again", "get": "has an item", "join": "has all its items done"}
_CALLBACK_CAUSES = {
    "timeout": "the asyncio.timeout() deadline",
    "wait_for timeout": "wait_for()'s timeout",
    "_release_waiter()": "a timeout",
    "TaskGroup._on_task_done()": "its TaskGroup (another task in the group failed)",
}


def sleep_end(until: float) -> str:
    """When a sleep ends, in words: a program can sleep forever (inf) or arm a timer at NaN."""
    if until != until:
        return "with no due time (NaN)"
    if until == float("inf"):
        return "forever"
    return f"until t={until:.3f}s"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _name(world: World, actor_id: str | None) -> str:
    if actor_id in (None, "cb"):
        return "a loop callback"
    return world.name(actor_id)


def _cause(world: World, why: list[Any]) -> str:
    """Who acted: an actor, or for a callback what the callback stands for."""
    by, label = why[2], why[4]
    if by == "cb" and label:
        return _CALLBACK_CAUSES.get(label) or ("a timeout" if "timeout" in label else f"the callback {label}")
    return _name(world, by)


def _gather_children(ref: str) -> list[str]:
    return [part.strip() for part in ref[len("gather(") : -1].split(",") if part.strip()]


def _task_why(frame: Frame, world: World) -> str:
    why = [*(frame.get("why") or []), None, None, None, None]
    kind = why[0] or ""
    if kind == "new":
        return f"starts (created by {_name(world, why[1])})"
    if kind == "yield":
        return "resumes after yielding to the loop"
    if kind == "soon":
        return f"runs (scheduled by {_name(world, why[1])})"
    if kind == "eager":
        return f"starts eagerly inside {_possessive(_name(world, why[1]))} step (no trip through the ready queue)"
    if kind == "resume":
        if why[1] == "eager":
            return f"goes on with its step once {_name(world, why[2])}'s eager first step is over"
        what = why[1] if why[1] and why[1] != "its turn" else "the blocking call"
        return f"continues its step ({what} returned)"
    ref = why[1] or "?"
    if kind == "cancel":
        awaited = world.actors.get(ref)
        if awaited is not None:
            return f"wakes because task {awaited.name} ended cancelled (awaiting it raises CancelledError here)"
        waited = {"sleep": "slept", "TaskGroup": "waited for its task group"}.get(ref, f"waited on {world.name(ref)}")
        return f"resumes with CancelledError: {_cause(world, why)} cancelled it while it {waited}"
    if kind != "wake":
        return "runs"
    if ref == "sleep":
        return "wakes from its sleep"
    resource = world.resources.get(ref)
    if resource is not None:
        if isinstance(resource.state, QueueState) and resource.state.shutdown:
            verb = "was shut down"
        elif resource.kind.endswith("Queue"):
            verb = _QUEUE_VERBS.get(why[3] or "", "changed")
        else:
            verb = _WAKE_VERBS.get(resource.kind, "changed")
        return f"wakes because {resource.shown} {verb} (by {_cause(world, why)})"
    awaited = world.actors.get(ref)
    if awaited is not None:
        ended = {"failed": "failed", "cancelled": "ended cancelled"}.get(awaited.state, "finished")
        return f"wakes because task {awaited.name} {ended}"
    if ref.startswith("gather("):
        children = [world.actors[c] for c in _gather_children(ref) if c in world.actors]
        failed = [c for c in children if c.state == "failed"]
        if failed and not all(c.ended for c in children):
            return (
                f"wakes because {failed[0].name}, one of the tasks it gathered, failed:"
                " gather passes the error on at once (the others keep running)"
            )
        return "wakes because all the tasks it gathered are done"
    if ref == "wait_for":
        # One callback, _release_waiter, wakes wait_for() both ways: the label of the
        # handle that ran (why[4]) tells the timer from the job's done-callback.
        if why[4] == "wait_for timeout" or (why[2] == "cb" and why[4] is None):
            return "wakes because wait_for()'s timeout expired: it cancels the job"
        return "wakes because the job it awaited with wait_for() finished in time"
    if ref == "cancelling":
        return "wakes because the task it cancelled has finished cancelling"
    if ref == "wait":
        return "wakes because asyncio.wait() has what it waited for"
    if ref == "TaskGroup":
        return "wakes because the tasks of its TaskGroup are done"
    if ref.startswith("executor:"):
        return f"wakes because {ref.split(':', 1)[1]}() finished in a worker thread"
    return f"wakes because {ref} is done"


def _thread_why(frame: Frame, world: World, before: World | None) -> str:
    why = [*(frame.get("why") or []), None, None, None]
    kind = why[0] or ""
    if kind == "new":
        return f"starts (created by {_name(world, why[1])})"
    if kind == "timer":
        previous = before.actors.get(frame.get("a", "")) if before is not None else None
        if previous is not None and previous.state == "sleep":
            return "wakes from time.sleep()"
        return "stops waiting: its timeout is over"
    if kind == "gil":
        return "gets the GIL back"
    if kind == "core":
        return "gets a CPU core back"
    if kind == "resume":
        return "keeps running"
    if kind == "yield":
        return "runs again after yielding"
    if kind == "wake":
        via, by = why[1], _name(world, why[2])
        process = world.processes.get(via or "")
        if process is not None:
            return f"wakes because process {process.name} (pid {process.pid}) exited"
        if via == "Thread.start":
            return f"goes on: its new thread {by} has started"
        if via in world.actors:
            return f"wakes because thread {world.name(via)} finished"
        previous = before.actors.get(frame.get("a", "")) if before is not None else None
        barrier = world.resources.get(previous.on or "") if previous is not None else None
        if barrier is not None and barrier.kind == "Barrier":
            arrived = barrier.state
            if isinstance(arrived, BarrierState) and arrived.state == "broken":
                return f"wakes because {barrier.shown} was broken (its wait() raises BrokenBarrierError)"
            parties = arrived.parties if isinstance(arrived, BarrierState) else None
            return f"wakes because {barrier.shown} tripped: all its {parties} parties arrived"
        waited = wait_now(before, previous) if before is not None and previous is not None else None
        if waited and waited.startswith("waits "):
            return f"wakes up (it {waited.replace('waits', 'waited', 1)})"
        if via in world.resources:
            return f"wakes because {world.name(via)} changed (by {by})"
        if via in ("executor queue", "pool queue"):
            return f"wakes: work has arrived (from {by})"
        return f"wakes: {via} returned (thanks to {by})"
    return "runs"


def _effect(state: ResourceState, previous: ResourceState, actor: str | None, shown: str, woke: bool) -> str | None:
    """What a step did to one resource, from its state before and after, as a clause (None: nothing to tell)."""
    if isinstance(state, (LockState, RLockState)) and isinstance(previous, (LockState, RLockState)):
        if state.locked and not previous.locked and state.owner == actor:
            return f"takes {shown}"
        if previous.locked and not state.locked and previous.owner == actor:
            return f"releases {shown}"
    elif isinstance(state, EventState) and isinstance(previous, EventState) and state.is_set != previous.is_set:
        return f"{'sets' if state.is_set else 'clears'} {shown}"
    elif isinstance(state, SemaphoreState) and isinstance(previous, SemaphoreState) and state.value != previous.value:
        took = actor in state.holders and actor not in previous.holders
        return f"{'acquires' if took else 'releases'} {shown} (value now {state.value})"
    elif isinstance(state, QueueState) and isinstance(previous, QueueState):
        if state.shutdown and not previous.shutdown:
            return f"shuts down {shown}"
        if state.size != previous.size:
            return f"{'puts an item into' if state.size > previous.size else 'takes an item from'} {shown}"
    elif isinstance(state, BarrierState) and isinstance(previous, BarrierState):
        if state.state == "draining" and previous.state == "filling":
            parties = state.parties or 0
            # asyncio's waiters show up below as "waking ..."; threads are woken by the kernel.
            release = "" if woke else f" and releases the {parties - 1} waiting there"
            return f"arrives at {shown} as the last of its {parties} parties, which trips it{release}"
    elif isinstance(state, FutureState) and isinstance(previous, FutureState) and state.state != previous.state:
        return f"{_FUTURE_VERBS.get(state.state, 'changes')} {shown}"
    return None


def _effects(frame: Frame, world: World, before: World | None) -> list[str]:
    """What the step did to resources and to other tasks, as short clauses."""
    actor = frame.get("a")
    done: list[str] = []
    if before is not None:
        for rid in frame.get("set") or ():
            resource = world.resources.get(rid)
            old = before.resources.get(rid)
            if resource is None or old is None or resource.internal:
                continue  # a library's own primitives (a Queue's `finished` event) are not the story
            # `world` is after this frame, so the resource's record is the state this frame set.
            effect = _effect(resource.state, old.state, actor, resource.shown, bool(frame.get("ready")))
            if effect:
                done.append(effect)
    woken: list[str] = []
    cancelled: list[str] = []
    for entry in frame.get("ready", ()):
        who = entry[1]
        if who == actor or who not in world.actors or world.actors[who].created >= frame["i"]:
            continue
        (cancelled if len(entry) > 2 and entry[2] == "cancel" else woken).append(world.name(who))
    if woken:
        done.append(f"waking {_listed(woken)}")
    if cancelled:
        done.append(f"cancelling {_listed(cancelled)}")
    return done


def _after(frame: Frame) -> str:
    """Where the actor stopped."""
    state = frame.get("st")
    cpu = frame.get("cpu", 0.0)
    if state == "ready" and frame.get("k") == "thread":
        spent = f"{cpu * 1000:.1f} ms of CPU"
        stop = frame.get("stop")
        if stop == "preempted":
            return f"is preempted after {spent}: another thread of its process wants the GIL"
        if stop == "descheduled":
            return f"is descheduled after {spent}: another process is waiting for a CPU core"
        if stop == "paused":
            return f"has run {spent}; processes run in parallel, so the others catch up now"
        return "hands the GIL to another thread (time.sleep(0))"
    if state == "ready":
        return "yields to the loop; it goes to the back of the ready queue"
    if state == "sleep":
        return f"now sleeps {sleep_end(frame.get('until', 0))}"
    if state == "blocked" and frame.get("k") != "thread":
        return (
            f"is blocked inside its step: it {frame.get('wait') or 'waits'}."
            " While it blocks, the event loop cannot run anything else, but other threads can"
        )
    ran = f"runs {cpu * 1000:.1f} ms of CPU and " if cpu >= 0.0005 else ""
    if state in ("wait", "blocked"):
        return ran + "now " + (frame.get("wait") or f"waits for {frame.get('on')}")
    if state == "done":
        result = frame.get("result")
        return ran + "finishes" + (f", returning {result}" if result not in (None, "None") else "")
    if state == "failed":
        return ran + f"fails with {frame.get('error', 'an exception')}"
    if state == "cancelled":
        return "ends cancelled"
    if state == "runaway" and frame.get("stop") == "memory":
        return "is stopped here: the recording went over its memory cap"
    if state == "runaway":
        return "never gives control back: the recording is stopped"
    if state == "running" and frame.get("stop") == "eager":
        started = [d["name"] for d in frame.get("new", ()) if "task" in d and d.get("eager")]
        which = f"task {started[-1]}" if started else "a task"
        return f"creates {which}, which starts eagerly: its first step runs right now, inside this step"
    if state in ("running", "loop"):
        return "runs code outside the event loop"
    return "runs"


def _joined(parts: list[str], last: str) -> str:
    if not parts:
        return last
    return ", ".join(parts) + ", and " + last


def _main_thread_frame(frame: Frame, world: World, name: str, effects: list[str]) -> str:
    state = frame.get("st")
    new_tasks = [cast(TaskDefinition, d) for d in frame.get("new", ()) if "task" in d]
    if state == "loop" and new_tasks and all(d.get("internal") for d in new_tasks):
        coro = new_tasks[0].get("coro", "").split(".")[-1]
        return f"asyncio.run() cleans up: it runs loop.{coro}() on the loop."
    tail = f", {_listed(effects)}" if effects else ""
    if state in ("blocked", "sleep", "wait"):
        return f"{name} runs the program's own code{tail} and {_after(frame)}."
    if state in ("done", "failed"):
        ending = "finishes" if state == "done" else f"fails with {frame.get('error')}"
        return f"{name} runs the rest of the program{tail} and {ending}."
    if state == "loop":
        return f"{name} runs the program's own code{tail} and starts an event loop."
    if not world.tasks():
        return f"{name} runs the program's own code{tail}."
    return f"{name} runs the program's own code outside the event loop{tail}."


def what_before(frame: Frame) -> Literal["world", "resources", "nothing"]:
    """How much of the world before `frame` narrate() reads, so a reader folding as it goes keeps no more.

    "world": all of it (a thread woken or timed out: what it waited on, its
    place in line then); "resources": only the resources the frame sets (their
    state before it); "nothing": narrate reads nothing of it (an empty World
    serves). tests/trace/test_narrate_before.py holds narrate to it.
    """
    if frame.get("k") == "thread" and (frame.get("why") or ("",))[0] in ("timer", "wake"):
        return "world"
    return "resources" if frame.get("set") else "nothing"


def narrate(frame: Frame, world: World, before: World | None = None) -> str:
    """The sentence for `frame`, given the world after it (and before it, for what changed)."""
    kind = frame.get("k")
    effects = _effects(frame, world, before)
    if kind == "timer":
        fired = frame.get("why") or ["timer", frame.get("t", 0.0), None]
        due, owner = fired[1], fired[2] if len(fired) > 2 else None
        label = frame.get("n", "timer")
        whose = f"{_possessive(_name(world, owner))}" if owner and owner != "cb" else "A"
        sentence = f"{whose} {label} timer fires at t={frame['t']:.3f}s"
        late = frame["t"] - due
        if late > 1e-9:
            sentence += f", {late:.3f}s late: the loop was busy when it came due"
        return sentence + (f", {_listed(effects)}" if effects else "") + "."
    if kind == "cb":
        cause = frame.get("why") or []
        by = f" (scheduled by {_name(world, cause[1])})" if len(cause) > 1 else ""
        did = f", {_listed(effects)}" if effects else ""
        return f"The loop runs the callback {frame.get('n', '?')}{by}{did}."
    actor = frame.get("a")
    name = _name(world, actor)
    known = world.actors.get(actor or "")
    if known is not None and known.internal:
        name = f"{name} (asyncio's own {known.coro})"
    if frame.get("why") == ["run"]:
        return _main_thread_frame(frame, world, name, effects)
    why = _thread_why(frame, world, before) if kind == "thread" else _task_why(frame, world)
    sentence = f"{name} {why}, {_joined(effects, _after(frame))}" if effects else f"{name} {why} and {_after(frame)}"
    blocked = took_without_awaiting(frame)
    if blocked:
        sentence += (
            f". Its step took {blocked:.3f}s of virtual time without awaiting (CPU work or a blocking call):"
            " no other task could run meanwhile"
        )
    return sentence + "."
