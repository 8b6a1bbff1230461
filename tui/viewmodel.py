"""Provides FrameView: what every widget renders, the trace at one cursor position."""

from __future__ import annotations

from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from tui.trace.model import Trace
from tui.trace.schema import Frame
from tui.trace.state import Actor, World


@dataclass(frozen=True)
class FrameView:
    """The trace, the frame under the cursor, and the world after it."""

    trace: Trace
    index: int
    """0-based frame index; -1 when there is no frame (yet)."""
    world: World
    streaming: bool = False
    selected: str | None = None
    """The actor picked in the task table, if any."""
    frame: Frame | None = field(default=None)

    @property
    def count(self) -> int:
        return len(self.trace)

    @property
    def at_end(self) -> bool:
        return self.trace.complete and self.index == len(self.trace) - 1

    @property
    def outcome(self) -> str | None:
        return self.trace.outcome

    def actors(self) -> list[Actor]:
        """Tasks then threads, in creation order: the rows of the task table and the timeline.

        Sorted once per view (every panel asks); the caller must not change the list.
        """
        found = self.__dict__.get("_actors")
        if found is None:
            found = _in_table_order(self.trace, self.world)
            object.__setattr__(self, "_actors", found)
        return found

    def where(self, actor: Actor) -> str:
        return self.trace.where(actor.at)


_ORDER: dict[tuple[str, str], tuple[int, int]] = {}
"""(actor id, kind) -> its place in the table: an id's digits are read once, not at every step."""


def _actor_order(actor: Actor) -> tuple[int, int]:
    key = (actor.id, actor.kind)
    order = _ORDER.get(key)
    if order is None:
        if len(_ORDER) > 1 << 20:
            _ORDER.clear()
        digits = "".join(ch for ch in actor.id if ch.isdigit())
        order = _ORDER[key] = (0 if actor.kind == "task" else 1, int(digits or 0))
    return order


ORDERS_KEPT = 8
"""Actor counts whose order is kept per trace: a program that makes a task a frame has a count
per frame, and each order is a list of every actor (200,000 of them in bench_extreme)."""
_TABLE_ORDERS: WeakKeyDictionary[Trace, dict[int, list[str]]] = WeakKeyDictionary()
"""Per trace, by how many actors a world has: their ids in table order.

Actors are only ever added, frame by frame, so two worlds of one trace with as
many actors have the same ones: a step finds their order here instead of sorting
a thousand actors again."""


def _in_table_order(trace: Trace, world: World) -> list[Actor]:
    actors = world.actors
    orders = _TABLE_ORDERS.setdefault(trace, {})
    order = orders.get(len(actors))
    if order is not None:
        try:
            return [actors[actor_id] for actor_id in order]
        except KeyError:
            pass  # not the same actors after all: sort them
    found = sorted(actors.values(), key=_actor_order)
    if len(orders) >= ORDERS_KEPT:
        orders.clear()
    orders[len(actors)] = [actor.id for actor in found]
    return found


def build_view(trace: Trace, index: int, *, streaming: bool = False, selected: str | None = None) -> FrameView:
    index = min(index, len(trace) - 1)
    if index < 0:
        return FrameView(trace, -1, World(), streaming, selected, None)
    return FrameView(trace, index, trace.state_at(index), streaming, selected, trace.frame(index))
