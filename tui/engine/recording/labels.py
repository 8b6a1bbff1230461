"""Provides the names the recorder gives what the program did not name: futures made inside asyncio,
plain callbacks, a task's own steps, wait_for's timer, and the variable a new object is assigned to.
"""

from __future__ import annotations

import linecache
import re
import sys
from types import FrameType
from typing import Any

from tui.engine import cpython
from tui.engine.aio import probes

# Futures that asyncio itself creates, by the function that creates them:
# (label in `on`, words for the waiting task).
INTERNAL_FUTURES = {
    "wait_for": ("wait_for", "waits for the awaited job or its timeout (asyncio.wait_for)"),
    "_wait": ("wait", "waits in asyncio.wait() for its jobs"),
    "TaskGroup.__aexit__": ("TaskGroup", "waits for the tasks of its TaskGroup to finish"),
    "_cancel_and_wait": ("cancelling", "waits for the task it cancelled to finish cancelling"),
    "BaseEventLoop.shutdown_default_executor": (
        "executor shutdown",
        "waits for the default executor's threads to finish",
    ),
}
LABEL_WORDS = dict(INTERNAL_FUTURES.values()) | {"future": "waits for a future"}
"""Words for a wait on a label (not a resource): "waits for a future" when nothing better is known."""

WAITER_ROLES = {"Queue.get": "get", "Queue.put": "put", "Condition.wait": "notify"}
"""Which line of a resource a waiter future stands in, by the method that made it."""

_STEP_NAMES = frozenset({"__step", "__wakeup", "task_wakeup"})
"""A task's own callbacks: the Python Task's methods, the C Task's wakeup (its step is a TaskStepMethWrapper)."""


def is_task_step(callback: Any) -> bool:
    """Does this callback run a step of the task it is bound to (rather than, say, its cancel())?"""
    return type(callback).__name__ == "TaskStepMethWrapper" or getattr(callback, "__name__", None) in _STEP_NAMES


def armed_by_wait_for() -> bool:
    """Is the asyncio.timeout() whose timer is being armed the one inside asyncio.wait_for()?

    Since 3.12 wait_for() is built on asyncio.timeout(); its timer is still
    wait_for's timeout to the learner, as it was on 3.11. Called from the
    recorder's timer_scheduled hook: frame 2 is the loop's call_at.
    """
    if not cpython.running.wait_for_uses_timeout:
        return False
    frame: FrameType | None = sys._getframe(2)
    for _ in range(6):  # call_at <- reschedule <- __aenter__ <- wait_for
        if frame is None:
            return False
        if frame.f_code.co_name == "wait_for" and frame.f_globals.get("__name__") == "asyncio.tasks":
            return True
        frame = frame.f_back
    return False


def callback_label(callback: Any) -> str:
    """A readable name for a plain loop callback: `func()` or `Type.method()`."""
    func = getattr(callback, "func", None)  # functools.partial
    if func is not None:
        callback = func
    owner = getattr(callback, "__self__", None)
    name = getattr(callback, "__name__", None) or type(callback).__name__
    if owner is not None and not isinstance(owner, type) and type(owner).__name__ != "module":
        kind = "Future" if isinstance(owner, probes.ProbedFuture) else type(owner).__name__.replace("Sim", "")
        return f"{kind}.{name}()"
    return f"{name}()"


# `lock = asyncio.Lock()`, `self.ready: Event = asyncio.Event()`: one target, a call on the right.
_ASSIGNED_NAME = re.compile(r"^\s*(?:self\.)?([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)\s*[A-Za-z_][\w.]*\(")

# `b = ` right before the call: the last assignment target on the line up to the call.
_TARGET_BEFORE = re.compile(r"(?:^|[;(,]|\s)(?:self\.)?([A-Za-z_]\w*)\s*(?::[^=;]*)?=\s*(?:await\s+)?$")


def _call_column(frame: FrameType) -> int | None:
    """Start column of the expression being executed in `frame` (None when unknown)."""
    try:
        positions = list(frame.f_code.co_positions())
        _line, _end_line, column, _end = positions[frame.f_lasti // 2]
    except (IndexError, ValueError):
        return None
    return column


def assigned_name(frame: FrameType) -> str | None:
    """The name a new object is about to be assigned to, read from the source line.

    The call's column (from the code's positions table) picks the right
    target when a line makes several: `a = Lock(); b = Lock()`.
    """
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    column = _call_column(frame)
    match = _TARGET_BEFORE.search(line[:column]) if column is not None else _ASSIGNED_NAME.match(line)
    return match.group(1) if match else None
