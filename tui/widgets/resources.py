"""Provides ResourceView: every lock, semaphore, event, condition, queue, barrier and future."""

from __future__ import annotations

from rich.text import Text

from tui.render.inert import inert
from tui.render.styles import actor_color
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
    kind = resource.kind
    text = Text()
    if kind == "Lock":
        if state.get("locked"):
            text.append("locked by ", style="red")
            text.append_text(_names(world, [state["owner"]] if state.get("owner") else []))
        else:
            text.append("free", style="green")
    elif kind in ("Semaphore", "BoundedSemaphore"):
        bound = state.get("bound")
        text.append(f"value {state.get('value')}" + (f"/{bound}" if bound else ""))
        if state.get("holders"):
            text.append(", held by ")
            text.append_text(_names(world, state["holders"]))
    elif kind == "Event":
        text.append("set", style="green") if state.get("set") else text.append("not set", style="yellow")
    elif kind == "Condition":
        if state.get("locked"):
            text.append("its lock is held by ")
            text.append_text(_names(world, [state["owner"]] if state.get("owner") else []))
        else:
            text.append("its lock is free", style="green")
    elif kind.endswith("Queue"):
        size, maxsize = state.get("size", 0), state.get("maxsize", 0)
        text.append(f"{size}/{maxsize if maxsize else 'inf'} items ")
        text.append(inert("[" + ", ".join(map(str, state.get("items", []))) + "]"), style="cyan")
        if state.get("unfinished"):
            text.append(f", {state['unfinished']} not done", style="dim")
        if state.get("shutdown"):
            text.append(", shut down", style="red")
    elif kind == "Barrier":
        text.append(inert(f"{state.get('state', '?')}, {state.get('count', 0)}/{state.get('parties', '?')} arrived"))
    elif kind == "Socket":
        text.append(inert(str(state.get("state", "?"))), style="cyan")
        if state.get("local"):
            text.append(f" {inert(str(state['local']))}")
        if state.get("peer"):
            text.append(f" <-> {inert(str(state['peer']))}")
        if state.get("buffered"):
            text.append(f", {state['buffered']} bytes received, unread", style="yellow")
        if state.get("eof"):
            text.append(", peer closed", style="dim")
        if "backlog" in state:
            text.append(f", {state['backlog']} connections waiting to be accepted", style="dim")
    elif kind == "Executor":
        text.append(f"{len(state.get('workers', []))}/{state.get('max_workers')} worker threads")
        text.append(f", {state.get('queued', 0)} work items queued", style="cyan")
        if state.get("shutdown"):
            text.append(", shut down", style="dim")
    elif kind == "RLock":
        if state.get("locked"):
            text.append("held by ", style="red")
            text.append_text(_names(world, [state["owner"]] if state.get("owner") else []))
            text.append(f" ({state.get('count')} deep)", style="dim")
        else:
            text.append("free", style="green")
    elif kind == "Future":
        future_state = state.get("state", "pending")
        text.append(inert(str(future_state)), style="green" if future_state == "done" else "yellow")
        if "result" in state:
            text.append(f" -> {inert(str(state['result']))}")
        if "error" in state:
            text.append(f" {inert(str(state['error']))}", style="red")
    return text


class ResourceView(LineView):
    """One or two lines per resource: its state, then who waits for it, in order."""

    def show(self, view: FrameView) -> None:
        world = view.world
        lines: list[Text] = []
        parts = world.parts_by_owner()
        for resource in world.own_resources():
            head = Text()
            head.append(inert(resource.shown), style="bold")
            head.append("  ")
            head.append_text(describe(resource, world))
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
