"""Provides what a waiting actor waits for as of the frame shown, not as of the frame it began to wait.

A frame's `wait` words are true when they are written: "waits for lock
(Lock#1) held by worker-1, 3rd in line". Frames later the holder has changed
and the line has moved up while the waiter's own state has not, so no new
frame of its own says so. The parts that go stale (who holds the resource,
the place in line, how full a queue is, how many arrived at a barrier) are
worked out again here from the world at the frame shown.
"""

from __future__ import annotations

import re

from tui.trace.resources import BarrierState, ConditionState, LockState, QueueState, RLockState, SemaphoreState
from tui.trace.state import Actor, Resource, World
from tui.trace.words import ordinal

WAITING_STATES = ("wait", "blocked")

_HELD_BY = re.compile(r"(?P<head>.*?)(?P<sep>,? held by )(?P<holders>.+?)(?P<line>, \d+\w\w in line)?$")
_IN_LINE = re.compile(r", \d+\w\w in line$")
_FULL = re.compile(r"\(full, \d+/\d+\)")
_ARRIVED = re.compile(r"\(\d+/\d+ arrived\)")


def place_in_line(world: World, actor: Actor) -> int:
    """1 for the first of the actors still waiting on the same resource, in the same line, and so on.

    Lines are first come, first served (asyncio's and threading's waiters are
    FIFO), and an actor that was woken has left the line: it no longer waits.
    """
    line = [
        other
        for other in world.actors.values()
        if other.state in WAITING_STATES and other.on == actor.on and other.role == actor.role
    ]
    line.sort(key=lambda other: (other.since, other.created))
    return next((place for place, other in enumerate(line, 1) if other is actor), 0)


def holders(world: World, resource: Resource) -> str | None:
    """Who holds a lock, a condition's lock or a semaphore's slots, by name (None: nobody holds the lock)."""
    state = resource.state
    if isinstance(state, SemaphoreState):
        return ", ".join(world.name(h) for h in state.holders) or "nobody"
    if isinstance(state, (LockState, RLockState, ConditionState)):
        return world.name(state.owner) if state.locked and state.owner else None
    return None


def wait_now(world: World, actor: Actor) -> str | None:
    """The actor's wait words with their changing parts brought up to `world`'s frame."""
    words = actor.wait
    resource = world.resources.get(actor.on) if actor.on else None
    if not words or resource is None or actor.state not in WAITING_STATES:
        return words
    state = resource.state
    line = f", {ordinal(place_in_line(world, actor))} in line" if _IN_LINE.search(words) else ""
    held = _HELD_BY.match(words)
    if held is not None and isinstance(state, (SemaphoreState, LockState, RLockState, ConditionState)):
        names = holders(world, resource)
        head = held["head"] + (f"{held['sep']}{names}" if names else "")
        words = head + line
    elif line:
        words = _IN_LINE.sub(line, words)
    if isinstance(state, QueueState):
        words = _FULL.sub(f"(full, {state.size}/{state.maxsize})", words)
    if isinstance(state, BarrierState):
        words = _ARRIVED.sub(f"({state.count}/{state.parties} arrived)", words)
    return words
