"""Provides CodeMap: static tables of one code object that make counting its instructions cheap.

A counter that hears only about jumps, branches, returns, yields and
exceptions still knows exactly how many instructions ran between two of
those events: the frame ran straight from where it last was to where the
event happened, and the tables below turn that stretch into a count with a
subtraction. The instructions counted are the ones sys.monitoring reports
INSTRUCTION events for: every instruction but RESUME, with an
EXTENDED_ARG prefix and the instruction it extends counting as one.
"""

from __future__ import annotations

import dis
from types import CodeType

# Control leaves the straight line at these without a JUMP or BRANCH event:
# the `await`/`yield from` loop jumps back to its SEND, and SEND jumps out of
# the loop when the awaited iterator finishes.
_SILENT_JUMP = "JUMP_BACKWARD_NO_INTERRUPT"
_SILENT_BRANCH = "SEND"
# A loop's jump back is made silent too (its JUMP event is disabled once seen)
# when the code it jumps to runs straight into a branch: the branch's event is
# certain to come next, and says the jump back was made. A `for` loop then costs
# one event per turn (its FOR_ITER's) instead of two.
_LOOP_JUMP = "JUMP_BACKWARD"
_BRANCHES = frozenset({"FOR_ITER", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE"})
_UNCOUNTED = frozenset({"RESUME", "CACHE"})

# The instructions after which the next event is certain to come: a run of
# code ends at the first of these.
_RUN_ENDS = frozenset(
    {
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "POP_JUMP_IF_FALSE",
        "POP_JUMP_IF_TRUE",
        "POP_JUMP_IF_NONE",
        "POP_JUMP_IF_NOT_NONE",
        "FOR_ITER",
        "RETURN_VALUE",
        "RETURN_CONST",
        "YIELD_VALUE",
        "RAISE_VARARGS",
        "RERAISE",
    }
)

MAX_SILENT_HOPS = 64
"""How many silent jumps a walk follows before it settles for what it counted."""

SENT = 1 << 30
"""Added to a SEND's offset: the SEND ran (and was counted) and is still waiting for its iterator."""

_NEVER_ENDS_QUANTUM = -(1 << 62)


class CodeMap:
    """Per code unit (2 bytes of co_code): counts before it, where runs end, where the next instruction is."""

    __slots__ = (
        "after",
        "clean_to",
        "code",
        "cycles",
        "library",
        "nxt",
        "prefix",
        "run",
        "silent_branch",
        "silent_jump",
        "start",
        "tables",
        "turn",
        "way",
    )

    def __init__(self, code: CodeType, *, library: bool = False) -> None:
        self.code = code
        self.library = library
        """Library code: counted, but a quantum never ends in it (see MonitoringCounter)."""
        units = len(code.co_code) // 2
        end = 2 * units
        instructions = list(dis.get_instructions(code))
        counted = [0] * (units + 1)
        self.nxt = nxt = [end] * units
        """Offset of the instruction after the one this unit belongs to."""
        self.start = start = list(range(0, end, 2))
        """Offset of the instruction this unit belongs to (a frame's f_lasti can point into its caches)."""
        self.silent_jump: dict[int, int] = {}
        self.silent_branch: dict[int, tuple[int, int]] = {}
        """SEND offset -> (fall-through offset, jump target)."""
        run_ends: set[int] = set()
        loop_jumps: dict[int, int] = {}
        branch_exits: dict[int, tuple[int, int]] = {}
        prefixed = False
        for position, instruction in enumerate(instructions):
            offset = instruction.offset
            following = instructions[position + 1].offset if position + 1 < len(instructions) else end
            for unit in range(offset // 2, following // 2):
                nxt[unit] = following
                start[unit] = offset
            name = instruction.opname
            if name not in _UNCOUNTED and not prefixed:
                counted[offset // 2] = 1
            prefixed = name == "EXTENDED_ARG"
            if name == _SILENT_JUMP:
                self.silent_jump[offset] = instruction.argval
            elif name == _SILENT_BRANCH:
                self.silent_branch[offset] = (following, instruction.argval)
            elif name in _RUN_ENDS:
                run_ends.add(offset)
                if name == _LOOP_JUMP:
                    loop_jumps[offset] = instruction.argval
                elif name in _BRANCHES:
                    branch_exits[offset] = (following, instruction.argval)
        loops = self._silence_loop_jumps(loop_jumps, run_ends, branch_exits)
        self.prefix = prefix = [0] * (units + 1)
        """prefix[k]: instructions counted at offsets below 2k."""
        total = 0
        for unit in range(units):
            prefix[unit] = total
            total += counted[unit]
        prefix[units] = total
        self.clean_to = clean_to = [end] * units
        """clean_to[k]: the first silent jump or branch at or after offset 2k."""
        silent = self.silent_jump.keys() | self.silent_branch.keys()
        upcoming = end
        for unit in range(units - 1, -1, -1):
            if 2 * unit in silent:
                upcoming = 2 * unit
            clean_to[unit] = upcoming
        self.after = after = list(nxt)
        """Where a frame stands once the instruction at this unit ran, if no event says otherwise."""
        for offset, target in self.silent_jump.items():
            after[offset // 2] = target
        for offset in self.silent_branch:
            after[offset // 2] = offset + SENT
        self.run = self._runs(units, run_ends) if not library else [_NEVER_ENDS_QUANTUM] * (units + 1)
        """run[k]: at most how many instructions run from offset 2k before the next event.
        (For library code, so negative that no run in it is ever close to a quantum's end.)"""
        self.cycles = self._cycles(loops, branch_exits)
        """Branch offset -> (where a frame stands after it, instructions of one more turn
        of the loop back to it): a turn that ran straight through, counted at once."""
        self.way = [-1] * units
        """way[k]: for a loop's branch at offset 2k, the offset its turn starts from (else -1)."""
        self.turn = [0] * units
        """turn[k]: the instructions of that turn, through the branch itself."""
        for branch, (way, turn) in self.cycles.items():
            self.way[branch >> 1] = way
            self.turn[branch >> 1] = turn
        self.tables = (self.prefix, self.clean_to, self.run, self.start, self.after, self.way, self.turn)
        """The tables a counter reads on every event, to unpack in one go."""

    def _straight_to(self, offset: int, run_ends: set[int]) -> int | None:
        """The first run end or silent instruction reached straight ahead from `offset`."""
        end = len(self.nxt) * 2
        while offset < end:
            if offset in run_ends or offset in self.silent_jump or offset in self.silent_branch:
                return offset
            offset = self.nxt[offset >> 1]
        return None

    def _silence_loop_jumps(
        self, loop_jumps: dict[int, int], run_ends: set[int], branch_exits: dict[int, tuple[int, int]]
    ) -> dict[int, int]:
        """Make each loop's jump back silent where the code it lands on runs straight into a branch.

        Returns each silenced jump's branch. (Before the tables are built: a silent
        jump is where a straight stretch of code ends.)
        """
        loops: dict[int, int] = {}
        for jump, target in loop_jumps.items():
            branch = self._straight_to(target, run_ends)
            if branch is not None and branch in branch_exits:
                loops[jump] = branch
        for jump in loops:
            run_ends.discard(jump)
            self.silent_jump[jump] = loop_jumps[jump]
        return loops

    def _cycles(self, loops: dict[int, int], branch_exits: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
        """For a branch whose one way leads straight to a silenced jump back to it: that way and one turn."""
        prefix = self.prefix
        cycles: dict[int, tuple[int, int]] = {}
        for jump, branch in loops.items():
            target = self.silent_jump[jump]
            for way in branch_exits[branch]:
                if branch in cycles or way > jump or self.clean_to[way >> 1] != jump:
                    continue
                turn = prefix[(jump >> 1) + 1] - prefix[way >> 1] + prefix[(branch >> 1) + 1] - prefix[target >> 1]
                cycles[branch] = (way, turn)
        return cycles

    def _runs(self, units: int, run_ends: set[int]) -> list[int]:
        """Longest event-free stretch from each offset (following silent jumps): an upper bound."""
        prefix, nxt = self.prefix, self.nxt
        runs = [0] * (units + 1)
        # Backwards, each stretch is the instruction plus the stretch after it; the
        # await loop's jump back to its SEND needs a second pass to settle.
        for _ in range(4):
            changed = False
            for unit in range(units - 1, -1, -1):
                offset = 2 * unit
                length = prefix[unit + 1] - prefix[unit]
                if offset in run_ends:
                    pass
                elif offset in self.silent_jump:
                    length += runs[self.silent_jump[offset] >> 1]
                elif offset in self.silent_branch:
                    fall, target = self.silent_branch[offset]
                    length += max(runs[fall >> 1], runs[target >> 1])
                else:
                    length += runs[nxt[unit] >> 1]
                if length != runs[unit]:
                    runs[unit] = length
                    changed = True
            if not changed:
                break
        return runs

    def remaining(self, pos: int) -> int:
        """run[] for a frame's position, which may be a SEND still running."""
        if pos >= SENT:
            fall, target = self.silent_branch[pos - SENT]
            return max(self.run[fall >> 1], self.run[target >> 1])
        return self.run[pos >> 1]

    def span(self, start: int, last: int) -> int:
        """Instructions run from offset `start` through the one at `last`, inclusive."""
        if start >= SENT:
            send = start - SENT
            if last == send:
                return 0  # it raised: the iterator it was sending into failed
            fall, target = self.silent_branch[send]
            start = fall if last == fall else target
        prefix = self.prefix
        if start <= last <= self.clean_to[start >> 1]:
            return prefix[(last >> 1) + 1] - prefix[start >> 1]
        if self.after[last >> 1] == start:
            return 0  # `last` was counted already (its own INSTRUCTION event came first)
        return self._walk(start, last)

    def _walk(self, start: int, last: int) -> int:
        """span() across silent jumps and branches, the await loop's way back to its SEND."""
        prefix, clean_to = self.prefix, self.clean_to
        end = len(self.nxt) * 2
        total = 0
        offset = start
        for _ in range(MAX_SILENT_HOPS):
            if offset >= end:
                break
            stop = clean_to[offset >> 1]
            if offset <= last <= stop:
                return total + prefix[(last >> 1) + 1] - prefix[offset >> 1]
            if stop >= end:
                break  # `last` is not ahead on this path: settle for what was counted
            total += prefix[(stop >> 1) + 1] - prefix[offset >> 1]
            jump = self.silent_jump.get(stop)
            if jump is not None:
                offset = jump
            else:
                fall, target = self.silent_branch[stop]
                offset = fall if last == fall else target
        return total
