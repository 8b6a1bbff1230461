"""Provides narrate(): one plain-language sentence saying what a frame did and why."""

from __future__ import annotations

from typing import Any

from tui.trace.state import World

_WAKE_VERBS = {
    "Lock": "was released",
    "Semaphore": "was released",
    "BoundedSemaphore": "was released",
    "Event": "was set",
    "Condition": "was notified",
    "Barrier": "filled up",
    "Future": "got its result",
    "Queue": "changed",
    "PriorityQueue": "changed",
    "LifoQueue": "changed",
}


def _name(world: World, actor_id: str | None) -> str:
    if actor_id in (None, "cb"):
        return "a loop callback"
    return world.name(actor_id)


def _why_words(frame: dict[str, Any], world: World) -> str:
    """Why the actor was ready, as a clause: "because lock (Lock#1) was released by worker-1"."""
    why = [*(frame.get("why") or []), None, None, None]
    kind = why[0] or ""
    if kind == "new":
        return f"starts (created by {_name(world, why[1])})"
    if kind == "yield":
        return "resumes after yielding to the loop"
    if kind == "run":
        return "ran"
    if kind == "soon":
        return f"runs (scheduled by {_name(world, why[1])})"
    if frame.get("k") == "thread":
        if kind == "timer":
            return "wakes up: its sleep or timeout is over"
        if kind == "wake":
            what = world.name(why[1]) if why[1] in world.resources or why[1] in world.actors else why[1]
            return f"wakes up ({what}, signalled by {_name(world, why[2])})"
        if kind == "gil":
            return "gets the GIL back"
        if kind == "core":
            return "gets a CPU core back"
        if kind == "resume" and not why[1]:
            return "keeps running"
        if kind == "yield":
            return "runs again after yielding"
    if kind == "resume":
        what = why[1] if why[1] and why[1] != "its turn" else "the blocking call"
        return f"continues its step ({what} returned)"
    if kind in ("wake", "cancel"):
        ref, by, role = why[1], why[2], why[3]
        if kind == "cancel":
            return f"resumes with CancelledError: {_name(world, by)} cancelled it while it waited on {world.name(ref)}"
        if ref == "sleep":
            return "wakes up from its sleep"
        resource = world.resources.get(ref)
        if resource is not None:
            verb = _WAKE_VERBS.get(resource.kind, "changed")
            if resource.kind.endswith("Queue"):
                verb = {"put": "had room again", "get": "got an item", "join": "had all its items processed"}.get(
                    role or "", "changed"
                )
            return f"wakes up because {resource.shown} {verb} (by {_name(world, by)})"
        if ref in world.actors:
            return f"wakes up because task {world.name(ref)} finished"
        if ref.startswith("gather"):
            return "wakes up because everything it gathered has finished"
        if ref.startswith("executor:"):
            return f"wakes up because {ref.split(':', 1)[1]}() finished in a worker thread"
        return f"wakes up because {ref} completed"
    if kind == "timer":
        return "runs"
    return "runs"


def _after_words(frame: dict[str, Any], world: World) -> str:
    """What the actor did by the end of its step."""
    state = frame.get("st")
    cpu = frame.get("cpu", 0.0)
    if state == "ready" and frame.get("k") == "thread":
        stop = frame.get("stop")
        spent = f"{cpu * 1000:.1f} ms of CPU"
        if stop == "preempted":
            return f"was preempted after {spent}: another thread of its process wants the GIL"
        if stop == "descheduled":
            return f"was descheduled after {spent}: another process is waiting for a CPU core"
        if stop == "paused":
            return f"has run {spent}; processes run in parallel, so the others catch up now"
        return "gave the GIL to another thread (time.sleep(0))"
    if state == "ready":
        return "yielded; it goes to the back of the ready queue"
    if state == "sleep":
        return f"now sleeps until t={frame.get('until', 0):.3f}s"
    if state == "blocked" and frame.get("k") != "thread":
        return (
            f"is blocked inside its step: it {frame.get('wait') or 'waits'}."
            " While it blocks, the event loop cannot run anything else, but other threads can"
        )
    if state in ("wait", "blocked"):
        ran = f"ran {cpu * 1000:.1f} ms of CPU and " if cpu >= 0.0005 else ""
        return ran + "now " + (frame.get("wait") or f"waits for {frame.get('on')}")
    if state == "done":
        result = frame.get("result")
        ran = f" after {cpu * 1000:.1f} ms of CPU" if cpu >= 0.0005 else ""
        return "finished" + ran + (f", returning {result}" if result not in (None, "None") else "")
    if state == "failed":
        return f"failed with {frame.get('error', 'an exception')}"
    if state == "cancelled":
        return "was cancelled"
    if state == "runaway":
        return "never gave control back: the recording was stopped"
    if state == "running":
        return "is running code outside the event loop"
    return "ran"


def _woken_by_this_step(frame: dict[str, Any], world: World) -> str:
    """ ", waking worker-2 and worker-3" for tasks this step put on the ready queue."""
    actor = frame.get("a")
    woken = [
        world.name(who)
        for _hid, who in frame.get("ready", ())
        if who != actor and who in world.actors and world.actors[who].created < frame["i"]
    ]
    if not woken:
        return ""
    listed = woken[0] if len(woken) == 1 else ", ".join(woken[:-1]) + " and " + woken[-1]
    return f", waking {listed}"


def narrate(frame: dict[str, Any], world: World) -> str:
    """The sentence for `frame`, given the world after it."""
    kind = frame.get("k")
    actor = frame.get("a")
    if kind == "timer":
        why = frame.get("why") or ["timer", frame.get("t", 0.0), None]
        due, owner = why[1], why[2] if len(why) > 2 else None
        label = frame.get("n", "timer")
        whose = f"{_name(world, owner)}'s" if owner and owner != "cb" else "A"
        sentence = f"{whose} {label} timer fired at t={frame['t']:.3f}s{_woken_by_this_step(frame, world)}"
        late = frame["t"] - due
        if late > 1e-9:
            sentence += f", {late:.3f}s late: the loop was busy when it came due"
        return sentence + "."
    if kind == "cb":
        why = frame.get("why") or []
        by = f", scheduled by {_name(world, why[1])}" if len(why) > 1 else ""
        return f"The loop ran the callback {frame.get('n', '?')}{by}{_woken_by_this_step(frame, world)}."
    name = _name(world, actor)
    known = world.actors.get(actor or "")
    if known is not None and known.internal:
        name = f"{name} (asyncio's own {known.coro})"
    if frame.get("why") == ["run"]:
        if frame.get("st") in ("done", "failed"):
            ending = "finished" if frame.get("st") == "done" else f"failed with {frame.get('error')}"
            return f"{name} ran the rest of the program and {ending}."
        if frame.get("st") == "loop":
            return f"{name} ran the program's own code and now starts an event loop{_woken_by_this_step(frame, world)}."
        return f"{name} ran the program's own code (outside any event loop step){_woken_by_this_step(frame, world)}."
    sentence = f"{name} {_why_words(frame, world)} and {_after_words(frame, world)}{_woken_by_this_step(frame, world)}"
    blocked = frame.get("d", 0.0)
    if blocked >= 0.001 and kind == "task" and frame.get("st") != "blocked":
        sentence += (
            f". Its step took {blocked:.3f}s of virtual time without awaiting (CPU work or a blocking call):"
            " no other task could run meanwhile"
        )
    return sentence + "."
