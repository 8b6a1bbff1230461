"""Declares the queue family: Queue, LifoQueue and PriorityQueue, asyncio's and queue's (threading)."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Iterable
from typing import Any

from tui.engine.kinds.kind import Kind, WaitOn, place_in_line
from tui.engine.probing import MAX_SHOWN_ITEMS, short_repr

NAMES = ("Queue", "PriorityQueue", "LifoQueue")


def asyncio_queue_state(q: Any) -> dict[str, Any]:
    items = q._queue
    if isinstance(q, asyncio.PriorityQueue):
        shown: Iterable[Any] = sorted(items)[:MAX_SHOWN_ITEMS]
    elif isinstance(q, asyncio.LifoQueue):
        shown = list(reversed(items))[:MAX_SHOWN_ITEMS]
    else:
        shown = [items[i] for i in range(min(len(items), MAX_SHOWN_ITEMS))]
    state = {
        "size": len(items),
        "maxsize": q._maxsize,
        "items": [short_repr(item, 40) for item in shown],
        "unfinished": q._unfinished_tasks,
    }
    if getattr(q, "_is_shutdown", False):  # 3.13+: Queue.shutdown()
        state["shutdown"] = True
    return state


def threading_queue_state(q: Any) -> dict[str, Any]:
    items = list(q.queue)
    if isinstance(q, queue.PriorityQueue):
        items.sort()
    elif isinstance(q, queue.LifoQueue):
        items.reverse()
    state = {
        "size": len(items),
        "maxsize": q.maxsize,
        "items": [short_repr(item, 40) for item in items[:MAX_SHOWN_ITEMS]],
        "unfinished": q.unfinished_tasks,
    }
    if getattr(q, "is_shutdown", False):  # 3.13+: Queue.shutdown()
        state["shutdown"] = True
    return state


def _getting(wait: WaitOn) -> bool:
    return any(g is wait.fut for g in wait.obj._getters)


def _asyncio_words(wait: WaitOn) -> str:
    q, shown, fut = wait.obj, wait.shown, wait.fut
    if wait.role == "join":
        left = q._unfinished_tasks
        items = "its 1 unfinished item" if left == 1 else f"all {left} unfinished items"
        return f"waits in join() until {items} of {shown} {'is' if left == 1 else 'are'} done"
    if _getting(wait):
        return f"waits for an item from {shown} (empty){place_in_line(q._getters, fut)}"
    return f"waits for room in {shown} (full, {q.qsize()}/{q.maxsize}){place_in_line(q._putters, fut)}"


def _threading_words(wait: WaitOn) -> str:
    q, shown = wait.obj, wait.shown
    if wait.role == "put":
        return f"waits for room in {shown} (full, {q.qsize()}/{q.maxsize})"
    if wait.role == "join":
        return f"waits until every item of {shown} is processed (join)"
    return f"waits for an item from {shown} (empty)"


KINDS = tuple(
    kind
    for name in NAMES
    for kind in (
        Kind(
            name,
            "queue",
            "asyncio",
            asyncio_queue_state,
            words=_asyncio_words,
            role=lambda wait: "get" if _getting(wait) else "put",
        ),
        Kind(name, "queue", "threading", threading_queue_state, words=_threading_words),
    )
)
