"""Provides ResourceView: every lock, semaphore, event, condition, queue, barrier and future."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui.render.inert import inert
from tui.render.styles import actor_color, shorten
from tui.trace.resources import (
    BarrierState,
    ConditionState,
    EventState,
    ExecutorState,
    FutureState,
    LockState,
    QueueState,
    RLockState,
    SemaphoreState,
    SocketState,
)
from tui.trace.state import Resource, World
from tui.viewmodel import FrameView
from tui.widgets.lineview import LineView


def _names(world: World, ids: list[str]) -> Text:
    text = Text()
    for position, actor_id in enumerate(ids):
        if position:
            text.append(", ")
        text.append(inert(world.name(actor_id)), style=actor_color(actor_id))
    return text


def describe(resource: Resource, world: World) -> Text:
    """The state line of a resource: `locked by worker-1`, `value 0/2`, `2/2 items [1, 2]`.

    Queue items, results, errors and addresses are the program's values: shown inert.
    """
    state = resource.state
    text = Text()
    if isinstance(state, LockState):
        if state.locked:
            text.append("locked by ", style="red")
            text.append_text(_names(world, [state.owner] if state.owner else []))
        else:
            text.append("free", style="green")
    elif isinstance(state, SemaphoreState):
        text.append(f"value {state.value}" + (f"/{state.bound}" if state.bound else ""))
        if state.holders:
            text.append(", held by ")
            text.append_text(_names(world, state.holders))
    elif isinstance(state, EventState):
        text.append("set", style="green") if state.is_set else text.append("not set", style="yellow")
    elif isinstance(state, ConditionState):
        if state.locked:
            text.append("its lock is held by ")
            text.append_text(_names(world, [state.owner] if state.owner else []))
        else:
            text.append("its lock is free", style="green")
    elif isinstance(state, QueueState):
        text.append(f"{state.size}/{state.maxsize if state.maxsize else 'inf'} items ")
        text.append(inert("[" + ", ".join(map(str, state.items)) + "]"), style="cyan")
        if state.unfinished:
            text.append(f", {state.unfinished} not done", style="dim")
        if state.shutdown:
            text.append(", shut down", style="red")
    elif isinstance(state, BarrierState):
        shown_state = "?" if state.state is None else state.state
        parties = "?" if state.parties is None else state.parties
        text.append(inert(f"{shown_state}, {state.count}/{parties} arrived"))
    elif isinstance(state, SocketState):
        text.append(inert("?" if state.state is None else state.state), style="cyan")
        if state.local:
            text.append(f" {inert(state.local)}")
        if state.peer:
            text.append(f" <-> {inert(state.peer)}")
        if state.buffered:
            text.append(f", {state.buffered} bytes received, unread", style="yellow")
        if state.eof:
            text.append(", peer closed", style="dim")
        if state.backlog is not None:
            text.append(f", {state.backlog} connections waiting to be accepted", style="dim")
    elif isinstance(state, ExecutorState):
        text.append(f"{len(state.workers)}/{state.max_workers} worker threads")
        text.append(f", {state.queued} work items queued", style="cyan")
        if state.shutdown:
            text.append(", shut down", style="dim")
    elif isinstance(state, RLockState):
        if state.locked:
            text.append("held by ", style="red")
            text.append_text(_names(world, [state.owner] if state.owner else []))
            text.append(f" ({state.count} deep)", style="dim")
        else:
            text.append("free", style="green")
    elif isinstance(state, FutureState):
        text.append(inert(state.state), style="green" if state.state == "done" else "yellow")
        if state.result is not None:
            text.append(f" -> {inert(state.result)}")
        if state.error is not None:
            text.append(f" {inert(state.error)}", style="red")
    return text


def shown_name(resource: Resource, room: int) -> str:
    """`lock (Lock#1)`, or in less `room` `lock`, then the name shortened (to 8 cells): its state stays in view.

    The state (`locked by worker-1`) is what changes from frame to frame; a state that
    fills the row leaves the name as short as it goes.
    """
    shown = inert(resource.shown)
    if cell_len(shown) <= room:
        return shown
    name = inert(resource.name)
    return name if cell_len(name) <= max(room, 8) else shorten(name, max(room, 8))


class ResourceView(LineView):
    """One or two lines per resource: its state, then who waits for it, in order."""

    def show(self, view: FrameView) -> None:
        world = view.world
        lines: list[Text] = []
        parts = world.parts_by_owner()
        width = self.scrollable_content_region.width
        for resource in world.own_resources():
            state = describe(resource, world)
            head = Text()
            room = width - 2 - state.cell_len if width else cell_len(resource.shown)  # 0: not laid out yet
            head.append(shown_name(resource, room), style="bold")
            head.append("  ")
            head.append_text(state)
            lines.append(head)
            groups: list[tuple[str, list[str]]] = [
                ("waiting to get", [a.id for a in world.waiters(resource.id, "get")]),
                ("waiting to put", [a.id for a in world.waiters(resource.id, "put")]),
                ("waiters", [a.id for a in world.waiters(resource.id) if a.role not in ("get", "put")]),
            ]
            for part in parts.get(resource.id, ()):
                # `cond.lock` -> "waiting for its lock": a part is listed only through its owner.
                inner = part.name.removeprefix(f"{resource.name}.") if part.name != part.id else part.kind
                groups.append((f"waiting for its {inner}", [a.id for a in world.waiters(part.id)]))
            for label, waiting in groups:
                if waiting:
                    line = Text(f"    {inert(label)}: ", style="dim")
                    line.append_text(_names(world, waiting))
                    lines.append(line)
        if not lines:
            lines.append(Text("No locks, events, queues or futures yet.", style="dim"))
        self.set_rows(len(lines), lines.__getitem__, 100, key=tuple(line.plain for line in lines))
