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

from tui.engine.codetable import CodeTable
from tui.engine.sites import ENGINE_MODULES, is_engine_module


def _never(code: CodeType) -> bool:
    return False


class SettraceCounter:
    """Counts instructions of code `is_counted` accepts; calls `on_quantum` every `limit` of them.

    Code `is_library` accepts is counted too while the program's code calls it
    (directly or through other such code), but a quantum never ends inside it.
    """

    def __init__(self, is_counted: Callable[[CodeType], bool], is_library: Callable[[CodeType], bool] = _never) -> None:
        self._is_counted = is_counted
        self._is_library = is_library
        self._take: Callable[[], int] = lambda: 0
        self._enter: Any = None
        self._count: Any = None
        self._new_slice: Callable[[int], None] = lambda skew: None

    def start(self, limit: int, on_quantum: Callable[[int, FrameType], bool]) -> None:
        is_counted = self._is_counted
        is_library = self._is_library
        # By identity, without hashing the code or calling id() (see CodeTable):
        # `enter` runs at every call, and inlines CodeTable.get().
        counted: CodeTable[bool] = CodeTable()
        library: CodeTable[bool] = CodeTable()
        counted_by_name = counted.by_name
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

        def count_library(frame: FrameType, event: str, arg: Any) -> Any:
            # Library code costs time but is never switched out: a quantum that
            # runs out here ends at the program's next instruction.
            nonlocal ticks
            if event == "opcode":
                ticks += 1
            return count_library

        engine_names = ENGINE_MODULES

        def enter(frame: FrameType, event: str, arg: Any) -> Any:
            # The program's own code is counted and can be interrupted. Library
            # code is counted only when counted code called it: the engine's own
            # use of the standard library costs the program nothing, and the
            # engine's bookkeeping stays atomic.
            name = frame.f_globals.get("__name__")
            engine = engine_names.get(name) if name.__class__ is str else False
            if engine is None:
                engine = is_engine_module(name)
            if engine:
                # sites.in_engine(frame), inlined: the engine's own code, told by its
                # module without reading f_code, an audited event; this runs at every call.
                return None
            code = frame.f_code
            entry = counted_by_name.get(code.co_qualname)
            mine = entry[1] if entry is not None and entry[0] is code else counted.get_other(code)
            if mine is None:
                mine = is_counted(code)
                counted.set(code, mine)
            if mine:
                frame.f_trace_lines = False
                frame.f_trace_opcodes = True
                return count
            lib = library.get(code)
            if lib is None:
                lib = is_library(code)
                library.set(code, lib)
            if not lib:
                return None
            caller = frame.f_back
            if caller is None or (caller.f_trace is not count and caller.f_trace is not count_library):
                return None
            frame.f_trace_lines = False
            frame.f_trace_opcodes = True
            return count_library

        def take() -> int:
            nonlocal ticks, threshold
            spent, ticks = ticks, 0
            # The quantum runs on across takes: a thread that takes a lock every
            # few instructions still reaches the end of its quantum.
            threshold = max(1, threshold - spent)
            return spent

        def new_slice(skew: int) -> None:
            nonlocal threshold
            threshold = limit + skew

        self._enter, self._count, self._take, self._new_slice = enter, count, take, new_slice

    def take(self) -> int:
        return self._take()

    def new_slice(self, skew: int = 0) -> None:
        self._new_slice(skew)

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
