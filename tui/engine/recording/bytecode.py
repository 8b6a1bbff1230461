"""Provides where a preempted thread stopped, as the viewer shows it: its line's instructions and the mark."""

from __future__ import annotations

import dis
import functools
from types import CodeType, FrameType
from typing import Any

from tui.engine import cpython


@functools.cache
def _instructions_by_line(code: CodeType) -> dict[int, list[list[Any]]]:
    """A code object's instructions by the line they start on: [[offset, opname, argrepr], ...]."""
    by_line: dict[int, list[list[Any]]] = {}
    line = code.co_firstlineno
    for instruction in dis.get_instructions(code):
        starts = cpython.running.instruction_line(instruction)
        if starts is not None:
            line = starts
        if instruction.opname in ("CACHE", "RESUME"):
            continue
        by_line.setdefault(line, []).append([instruction.offset, instruction.opname, instruction.argrepr])
    return by_line


def bytecode_at(frame: FrameType) -> dict[str, Any]:
    """The instruction a thread was switched out before, and its line's instructions.

    {"line": 12, "offset": 24, "ops": [[offset, opname, argrepr], ...]}: the viewer
    marks where the switch fell without ever compiling the program itself.
    """
    line = frame.f_lineno
    return {"line": line, "offset": frame.f_lasti, "ops": _instructions_by_line(frame.f_code).get(line, [])}
