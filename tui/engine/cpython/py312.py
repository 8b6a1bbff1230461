"""Provides CPython312: what CPython 3.12 changed in the internals the engine relies on."""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType

from tui.engine.cpu import BytecodeCounter
from tui.engine.cpu.monitoring import MonitoringCounter
from tui.engine.cpython.py311 import CPython311


class CPython312(CPython311):
    """CPython 3.12."""

    version = (3, 12)

    eager_tasks = True
    """gh-97696: asyncio.eager_task_factory and Task(eager_start=True)."""

    wait_for_uses_timeout = True
    """gh-96764: asyncio.wait_for() is reimplemented on asyncio.timeout()."""

    lock_blocking_is_int = False
    """Since 3.12 _thread's lock methods parse `blocking` with the "p" format: any object, by its truth
    (3.11's "i" format made acquire("x") a TypeError)."""

    def bytecode_counter(
        self, is_counted: Callable[[CodeType], bool], is_library: Callable[[CodeType], bool] = lambda code: False
    ) -> BytecodeCounter:
        """PEP 669 (gh-103082) adds sys.monitoring and rebuilds sys.settrace on it; opcode events
        turned on in a frame's `call` event no longer arrive, so count with sys.monitoring itself."""
        return MonitoringCounter(is_counted, is_library)
