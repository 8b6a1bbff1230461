"""Provides SettraceCounter: the program's instructions counted with sys.settrace opcode events.

The way to count instructions on 3.11: a trace function per thread, turned on
for frames of the program's own code, with opcode events on and line events
off. It costs a Python call per instruction. (3.12 reimplemented settrace on
sys.monitoring, and opcode events asked for in a frame's first `call` event
no longer arrive, so 3.12+ counts with MonitoringCounter instead.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any


class SettraceCounter:
    """Counts instructions of code `is_counted` accepts; calls `on_quantum` every `limit` of them."""

    def __init__(self, is_counted: Callable[[CodeType], bool]) -> None:
        self._is_counted = is_counted
        self._take: Callable[[], int] = lambda: 0
        self._enter: Any = None
        self._count: Any = None

    def start(self, limit: int, on_quantum: Callable[[int, FrameType], bool]) -> None:
        is_counted = self._is_counted
        counted: dict[CodeType, bool] = {}
        ticks = 0  # a closure cell, not an attribute: this runs once per instruction
        threshold = limit  # 1 while a switch waits for an instruction where it may happen

        def count(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal ticks, threshold
            if event != "opcode":
                return count  # a frame's "return" or "exception" is no instruction of its own
            ticks += 1
            if ticks >= threshold:
                spent = ticks
                ticks = 0
                threshold = limit  # before the call: it may hand the baton to another thread
                if not on_quantum(spent, frame):
                    threshold = 1
            return count

        def enter(frame: FrameType, event: str, arg: Any) -> Any:
            # Only the program's own code is counted (and can be interrupted):
            # the standard library's Python code runs free, like C code does,
            # and the engine's bookkeeping stays atomic.
            code = frame.f_code
            mine = counted.get(code)
            if mine is None:
                mine = counted[code] = is_counted(code)
            if not mine:
                return None
            frame.f_trace_lines = False
            frame.f_trace_opcodes = True
            return count

        def take() -> int:
            nonlocal ticks
            spent, ticks = ticks, 0
            return spent

        self._enter, self._count, self._take = enter, count, take

    def take(self) -> int:
        return self._take()

    def thread_started(self, frame: FrameType | None) -> None:
        """sys.settrace is per thread: turn it on here, and on the frames already running."""
        sys.settrace(self._enter)
        while frame is not None:
            if self._is_counted(frame.f_code):
                frame.f_trace = self._count
                frame.f_trace_lines = False
                frame.f_trace_opcodes = True
            frame = frame.f_back

    def thread_switched(self, old: Any, new: Any) -> None:
        """Each thread has its own trace function already; the count is shared."""

    def thread_ended(self) -> None:
        sys.settrace(None)

    def stop(self) -> None:
        sys.settrace(None)
