"""Provides SwitchPoints: the instructions where CPython can hand the GIL to another thread.

A thread that has run its switch interval does not stop at once: CPython sets
a "drop the GIL" request, and the running thread honours it only when its
eval loop checks the eval breaker. CPython 3.11-3.13 check it in RESUME (a
function or generator starting or resuming), in JUMP_BACKWARD (each turn of a
loop; 3.11's conditional POP_JUMP_BACKWARD_IF_* too) and on the way out of a
call (the CALL family). (A RESUME after an await and the return from a Python
callee do not check in CPython; allowing a switch there too offers a few more
interleavings than CPython has.) So `counter += 1`, whose
load, add and store have no such check between them, is never split by a
thread switch on these versions, while `value = counter; f(); counter = value + 1`
can be. Switching between any two instructions (`--preempt any`) is what the
language permits: free-threaded builds and other interpreters can do it.
"""

from __future__ import annotations

import dis
from types import CodeType, FrameType

from tui.engine.codetable import CodeTable

_BACKWARD_JUMPS = frozenset(
    {
        "JUMP_BACKWARD",
        # 3.11 ends a `while cond:` loop with a conditional backward jump, which checks too.
        "POP_JUMP_BACKWARD_IF_TRUE",
        "POP_JUMP_BACKWARD_IF_FALSE",
        "POP_JUMP_BACKWARD_IF_NONE",
        "POP_JUMP_BACKWARD_IF_NOT_NONE",
    }
)
"""Instructions that jump back to a loop's head and check the eval breaker as they do."""
_CHECKS_BEFORE = frozenset({"RESUME"}) | _BACKWARD_JUMPS
"""Instructions that check the eval breaker as they run: a switch lands just before their effect."""
_CHECKS_AFTER = frozenset({"CALL", "CALL_FUNCTION_EX", "CALL_KW"})
"""Instructions that check it once the call returns: a switch lands before the next instruction."""


def switch_offsets(code: CodeType) -> frozenset[int]:
    """Byte offsets in `code` at which a frame about to execute that instruction may be switched out."""
    offsets: set[int] = set()
    instructions = list(dis.get_instructions(code))
    for position, instruction in enumerate(instructions):
        if instruction.opname in _CHECKS_BEFORE:
            offsets.add(instruction.offset)
            if instruction.opname in _BACKWARD_JUMPS and isinstance(instruction.argval, int):
                offsets.add(instruction.argval)  # the loop's head, just after the jump
        elif instruction.opname in _CHECKS_AFTER and position + 1 < len(instructions):
            offsets.add(instructions[position + 1].offset)
    return frozenset(offsets)


class SwitchPoints:
    """Answers "may this frame be switched out here?" for the program's code objects, cached."""

    def __init__(self) -> None:
        self._offsets: CodeTable[frozenset[int]] = CodeTable()  # by identity: see CodeTable

    def allows(self, frame: FrameType) -> bool:
        """Whether `frame`, about to execute its instruction at f_lasti, is at an eval-breaker check."""
        code = frame.f_code
        offsets = self._offsets.get(code)
        if offsets is None:
            offsets = switch_offsets(code)
            self._offsets.set(code, offsets)
        # A frame that has not started yet (f_lasti -1 at its first event) is at its RESUME.
        return frame.f_lasti < 0 or frame.f_lasti in offsets
