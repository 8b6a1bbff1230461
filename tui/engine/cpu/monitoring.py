"""Provides MonitoringCounter: the program's instructions counted through sys.monitoring (PEP 669).

An event per instruction costs a Python call per instruction. This counter
listens instead for the events that end a straight run of code: jumps and
branches, returns and yields, exceptions. Between two of them a frame ran
straight ahead, and its CodeMap turns that stretch into a count. Only when
the end of a quantum could fall inside the run about to start does it turn on
INSTRUCTION events, for that code object alone, so the quantum still ends on
the exact instruction where it ran out, as with one event per instruction.

Events name a code object and an offset, not a frame, so the counter keeps a
shadow stack of the program's frames per simulated thread: pushed at
PY_START/PY_RESUME/PY_THROW, popped at PY_RETURN/PY_YIELD/PY_UNWIND. The
handlers below are the hottest code of a CPU-bound recording; they keep the
running frame's tables in closure cells rather than on an object.

Why one module of this size: the counter is one set of PEP 669 handlers sharing closure cells;
splitting them would put the hottest calls behind module attribute lookups.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from tui.engine.codetable import CodeTable
from tui.engine.cpu.codemap import SENT, CodeMap
from tui.engine.sites import in_engine

_TOOL_NAME = "concur-tui"


def _monitoring() -> Any:
    """sys.monitoring (3.12+; this module is only used there, but is type-checked for 3.11 too)."""
    return sys.monitoring  # type: ignore[attr-defined,unused-ignore]


def _never(code: CodeType) -> bool:
    return False


_PREFERRED_TOOL_IDS = (2, 3, 4, 5, 1, 0)  # PROFILER_ID first: what a CPU accountant is
_EVENTS = (
    "PY_START",
    "PY_RESUME",
    "PY_THROW",
    "PY_RETURN",
    "PY_YIELD",
    "JUMP",
    "BRANCH",
    "INSTRUCTION",
    "RAISE",
    "RERAISE",
    "EXCEPTION_HANDLED",
    "PY_UNWIND",
)
"""Every event the counter registers a callback for."""
_CALLER_SEARCH = 16
"""How far out from a new frame its caller is looked for (library frames may sit between)."""


class MonitoringCounter:
    """Counts instructions of code `is_counted` accepts; calls `on_quantum` every `limit` of them.

    Code `is_library` accepts is counted too while the program's code calls it
    (directly or through other such code), but a quantum never ends inside it.
    """

    def __init__(self, is_counted: Callable[[CodeType], bool], is_library: Callable[[CodeType], bool] = _never) -> None:
        self._is_counted = is_counted
        self._is_library = is_library
        self._tool: int | None = None
        self._take: Callable[[], int] = lambda: 0
        self._save: Callable[[], Any] = lambda: None
        self._load: Callable[[Any], None] = lambda state: None
        self._seed: Callable[[FrameType | None], None] = lambda frame: None
        self._new_slice: Callable[[int], None] = lambda skew: None
        self._codes: Callable[[], list[CodeType]] = list

    # -- the kernel's side --------------------------------------------------------------

    def take(self) -> int:
        """Instructions counted since the last take() (or quantum), the running frame's included."""
        return self._take()

    def new_slice(self, skew: int = 0) -> None:
        """A thread got the GIL: its next quantum ends a full quantum (and `skew`) from now."""
        self._new_slice(skew)

    def thread_started(self, frame: FrameType | None) -> None:
        """The running thread begins to be counted; `frame` and its callers are already running."""
        self._seed(frame)

    def thread_switched(self, old: Any, new: Any) -> None:
        """The baton passes from thread `old` to `new`: each keeps its own shadow stack."""
        old.counter_state = self._save()
        self._load(new.counter_state)

    def thread_ended(self) -> None:
        """Nothing to undo per thread: events are per interpreter."""

    def stop(self) -> None:
        """Give the tool id back as it was found: no events, no callbacks.

        (3.12 and 3.13's free_tool_id() leaves both behind for whoever takes the id next.)
        """
        tool = self._tool
        if tool is None:
            return
        self._tool = None
        monitoring = _monitoring()
        monitoring.set_events(tool, 0)
        for code in self._codes():
            monitoring.set_local_events(tool, code, 0)
        for event in _EVENTS:
            monitoring.register_callback(tool, getattr(monitoring.events, event), None)
        monitoring.free_tool_id(tool)

    # -- counting ---------------------------------------------------------------------------

    @staticmethod
    def _claim_tool_id() -> int:
        for tool in _PREFERRED_TOOL_IDS:
            if _monitoring().get_tool(tool) is None:
                _monitoring().use_tool_id(tool, _TOOL_NAME)
                return tool
        raise RuntimeError("every sys.monitoring tool id is taken; concur-tui cannot count CPU work")

    def start(self, limit: int, on_quantum: Callable[[int, FrameType], bool]) -> None:
        """Begin counting in every thread; `on_quantum(ticks, frame)` may switch threads."""
        monitoring = _monitoring()
        events = monitoring.events
        disable = monitoring.DISABLE
        tool = self._tool = self._claim_tool_id()
        full_limit = limit
        set_local_events = monitoring.set_local_events
        is_counted = self._is_counted
        is_library = self._is_library
        coarse_events = events.JUMP | events.BRANCH | events.PY_RETURN | events.PY_YIELD
        fine_events = coarse_events | events.INSTRUCTION
        getframe = sys._getframe

        # By identity, without hashing the code object or calling id() (see
        # CodeTable); the handlers inline its get(): `maps_by_name` below. None
        # for code that is not counted.
        maps: CodeTable[CodeMap | None] = CodeTable()
        maps_by_name = maps.by_name
        fine: CodeTable[bool] = CodeTable()
        """Code objects with INSTRUCTION events on, because a quantum ends soon."""

        # Instructions counted since the last take(), in every thread (only one runs).
        ticks = 0
        # The running thread's innermost frame of the program: its code (None
        # outside the program's code), where it has been counted up to, and its
        # CodeMap's tables. Invariant: only this frame runs ahead of its count;
        # each frame in `below` was counted through the call it is in when the
        # frame above it started.
        code_: CodeType | None = None
        pos = 0
        cmap: CodeMap | None = None
        prefix: list[int] = []
        clean: list[int] = []
        run: list[int] = []
        start: list[int] = []
        after: list[int] = []
        way: list[int] = []
        turn: list[int] = []
        below: list[tuple[CodeType, int, CodeMap]] = []
        # Whether the running frame's position was set by its last JUMP or BRANCH
        # event, with nothing counted since: only then does standing just after a
        # loop's branch mean a whole turn ran when that branch comes again. (Also
        # standing there: a FOR_ITER counted through the generator it called, or by
        # its own INSTRUCTION event; then the turn's events are still to come.)
        # Per thread, like the position.
        turned = False

        def map_of(code: CodeType) -> CodeMap | None:
            """The code object's CodeMap (None: not counted), made at its first sight."""
            entry = maps_by_name.get(code.co_qualname)
            if entry is not None and entry[0] is code:
                return entry[1]
            other = maps.others.get(id(code)) if maps.others else None
            if other is not None:
                return other[1]
            known: CodeMap | None = None
            if is_counted(code):
                known = CodeMap(code)
            elif is_library(code):
                known = CodeMap(code, library=True)
            maps.set(code, known)
            if known is not None:
                set_local_events(tool, code, coarse_events)
            return known

        def enter(code: CodeType | None, new_pos: int, new_map: CodeMap | None) -> None:
            nonlocal code_, pos, cmap, prefix, clean, run, start, after, way, turn, turned
            turned = False
            code_, pos, cmap = code, new_pos, new_map
            if new_map is not None:
                prefix, clean, run, start, after, way, turn = new_map.tables

        def push(code: CodeType, code_map: CodeMap, new_pos: int) -> None:
            if code_ is not None:
                below.append((code_, pos, cmap))  # type: ignore[arg-type]
            enter(code, new_pos, code_map)
            if ticks + code_map.remaining(new_pos) >= limit:
                go_fine(code)

        def pop() -> None:
            if below:
                enter(*below.pop())
                recheck()
            else:
                enter(None, 0, None)

        def go_fine(code: CodeType) -> None:
            if not fine.get(code):
                fine.set(code, True)
                set_local_events(tool, code, fine_events)

        def back_to_coarse() -> None:
            for code, on in fine.items():
                if on:
                    set_local_events(tool, code, coarse_events)
            fine.clear()

        def recheck() -> None:
            """Per-instruction events if the run the running frame is in could end the quantum."""
            if cmap is not None and ticks + cmap.remaining(pos) >= limit:
                go_fine(code_)  # type: ignore[arg-type]

        def quantum(frame: FrameType) -> None:
            nonlocal ticks, limit
            spent, ticks = ticks, 0
            back_to_coarse()
            limit = full_limit
            # May hand the baton on (the thread state is swapped meanwhile). False: no switch
            # may happen at this instruction, so the quantum ends again after the next one.
            if not on_quantum(spent, frame):
                limit = 1
            recheck()

        def resync(code: CodeType) -> bool:
            """An event of a frame that is not the running one: one under it whose callees unwound unseen."""
            for depth in range(len(below) - 1, -1, -1):
                if below[depth][0] is code:
                    enter(*below[depth])
                    del below[depth:]
                    return True
            return False

        def span_to(last: int) -> int:
            """CodeMap.span() from the running frame's position, a whole turn of a loop included."""
            if turned and pos == way[last >> 1]:
                return turn[last >> 1]
            return cmap.span(pos, last)  # type: ignore[union-attr]

        def catch_up(frame: FrameType | None) -> None:
            """Count the running frame through the instruction it is executing (a call, usually)."""
            nonlocal ticks, pos, turned
            for _ in range(_CALLER_SEARCH):
                if frame is None:
                    return
                if not in_engine(frame) and frame.f_code is code_:
                    assert cmap is not None
                    lasti = start[frame.f_lasti >> 1]  # f_lasti can point into its caches
                    ticks += span_to(lasti)
                    # After a call: the next instruction. After a SEND still running:
                    # where it goes on (its yield, or out of its loop) is told later.
                    pos = after[lasti >> 1]
                    turned = False
                    return
                frame = frame.f_back

        # -- the handlers ----------------------------------------------------------------

        def on_start(code: CodeType, offset: int) -> Any:
            nonlocal ticks, pos, code_, cmap, prefix, clean, run, start, after, way, turn, turned
            entry = maps_by_name.get(code.co_qualname)  # map_of(), inlined for its common case
            code_map = entry[1] if entry is not None and entry[0] is code else map_of(code)
            if code_map is None:
                return disable  # not the program's code: never tell us about it again
            if code_map.library:
                # Counted only when the counted frame running now called it (not
                # the engine): a library frame's caller is the very next frame.
                try:
                    calling = getframe(2)
                except ValueError:
                    return None
                if code_ is None or calling.f_code is not code_:
                    return None
            if code_ is not None:
                # Count the caller through its call (catch_up(), inlined for the common
                # case). Frame 2: asking for the new frame itself would build its frame
                # object on every call; the caller's lives on.
                try:
                    caller = getframe(2)
                except ValueError:
                    caller = None
                if caller is not None and caller.f_code is code_:
                    lasti = start[caller.f_lasti >> 1]
                    here = pos
                    if here <= lasti <= clean[here >> 1]:
                        ticks += prefix[(lasti >> 1) + 1] - prefix[here >> 1]
                    else:
                        ticks += span_to(lasti)
                    pos = after[lasti >> 1]
                else:
                    catch_up(caller)
                below.append((code_, pos, cmap))  # type: ignore[arg-type]
            code_, pos, cmap = code, offset, code_map
            prefix, clean, run, start, after, way, turn = code_map.tables
            turned = False
            if ticks + run[offset >> 1] >= limit:
                if ticks >= limit:
                    quantum(getframe(1))
                else:
                    go_fine(code)
            return None

        def on_throw(code: CodeType, offset: int, exc: BaseException) -> None:
            code_map = map_of(code)
            if code_map is None or code_map.library:
                return
            if code_ is not None:  # the frame that called throw() or close(): count it so far
                try:
                    catch_up(getframe(2))
                except ValueError:
                    pass
            # The yield it resumes at ran already (3.13 names the RESUME after it).
            push(code, code_map, code_map.after[code_map.start[offset >> 1] >> 1])
            if ticks >= limit:
                quantum(getframe(1))

        def on_leave(code: CodeType, offset: int, value: object) -> None:
            nonlocal ticks, pos, code_, cmap, prefix, clean, run, start, after, way, turn, turned
            if code is not code_ and not resync(code):
                return
            here = pos
            # CodeMap.span(), inlined here and in on_jump: these two run for every
            # branch and every return of the program.
            if here <= offset <= clean[here >> 1]:
                ticks += prefix[(offset >> 1) + 1] - prefix[here >> 1]
            else:
                ticks += span_to(offset)
            leaving_library = cmap.library  # type: ignore[union-attr]
            if below:  # pop(), inlined
                code_, pos, cmap = below.pop()
                prefix, clean, run, start, after, way, turn = cmap.tables
                turned = False
                if ticks + (run[pos >> 1] if pos < SENT else cmap.remaining(pos)) >= limit:
                    go_fine(code_)
            else:
                code_, cmap = None, None
            if ticks >= limit and not leaving_library:
                quantum(getframe(1))

        def on_jump(code: CodeType, source: int, target: int) -> None:
            nonlocal ticks, pos, turned
            if code is not code_ and not resync(code):
                code_map = map_of(code)
                if code_map is not None and not code_map.library:
                    push(code, code_map, target)  # a frame we never saw start: count from here
                    turned = True
                return
            here = pos
            if turned and here == way[source >> 1]:
                # One more turn of a loop, straight through: the loop's own branch, from
                # where its last event left the frame.
                ticks += turn[source >> 1]
            elif here <= source <= clean[here >> 1]:
                ticks += prefix[(source >> 1) + 1] - prefix[here >> 1]
            else:
                ticks += cmap.span(here, source)  # type: ignore[union-attr]
            pos = target
            turned = True
            if ticks + run[target >> 1] >= limit:
                if ticks >= limit:
                    quantum(getframe(1))
                else:
                    go_fine(code)

        def on_unconditional_jump(code: CodeType, source: int, target: int) -> Any:
            # A loop's jump back that CodeMap counts as silent: never heard again.
            # Not counted here: the branch it leads to is, with the walk across it.
            code_map = map_of(code)
            if code_map is not None and source in code_map.silent_jump:
                return disable
            on_jump(code, source, target)
            return None

        def on_instruction(code: CodeType, offset: int) -> None:
            nonlocal ticks, pos, turned
            if code is not code_ and not resync(code):
                code_map = map_of(code)
                if code_map is None or code_map.library:
                    return
                push(code, code_map, offset)
            assert cmap is not None
            ticks += 1 if pos == offset else span_to(offset)
            pos = after[offset >> 1]
            turned = False
            if ticks >= limit:
                quantum(getframe(1))

        def on_raise(code: CodeType, offset: int, exc: BaseException) -> None:
            nonlocal ticks, pos, turned
            if code is not code_ and not resync(code):
                return
            if pos >= SENT:
                return  # the SEND that raised (or took its iterator's StopIteration) was counted already
            assert cmap is not None
            offset = start[offset >> 1]  # the offset can name a cache entry of the instruction
            if offset < pos:
                # Behind where the frame stands: for an exception out of a callee, 3.13 can
                # name an instruction before the call, while the frame's f_lasti names the
                # call. (On a RERAISE, 3.12's f_lasti is stale, but its offset is right.)
                offset = start[getframe(1).f_lasti >> 1]
            ticks += span_to(offset)
            pos = after[offset >> 1]
            turned = False

        def on_handled(code: CodeType, offset: int, exc: BaseException) -> None:
            nonlocal pos, turned
            if code is not code_ and not resync(code):
                return
            pos = offset  # the handler's first instruction
            turned = False
            recheck()

        def on_unwind(code: CodeType, offset: int, exc: BaseException) -> None:
            if code is code_:
                pop()  # its instructions were counted at the RAISE that came first

        # -- the kernel's side -------------------------------------------------------------

        def take() -> int:
            nonlocal ticks, limit
            if code_ is not None:
                catch_up(getframe(1))
            spent, ticks = ticks, 0
            # The quantum runs on across takes: a thread that takes a lock every
            # few instructions still reaches the end of its quantum.
            limit = max(1, limit - spent)
            if fine:
                back_to_coarse()
            recheck()
            return spent

        def save() -> Any:
            state = (code_, pos, cmap, below[:], turned)
            below.clear()
            enter(None, 0, None)
            return state

        def load(state: Any) -> None:
            if state is None:
                return  # a thread that never ran program code: nothing on its stack yet
            nonlocal turned
            code, new_pos, code_map, saved, was_turned = state
            below[:] = saved
            enter(code, new_pos, code_map)
            turned = was_turned

        def seed(frame: FrameType | None) -> None:
            """Frames already running when counting starts: count each from its next instruction."""
            running: list[FrameType] = []
            while frame is not None:
                running.append(frame)
                frame = frame.f_back
            for old in reversed(running):
                code_map = map_of(old.f_code)
                if code_map is not None and not code_map.library:
                    push(old.f_code, code_map, code_map.after[code_map.start[old.f_lasti >> 1] >> 1])

        def new_slice(skew: int) -> None:
            nonlocal limit
            limit = full_limit + skew
            if fine:
                back_to_coarse()
            recheck()

        self._take, self._save, self._load, self._seed = take, save, load, seed
        self._new_slice = new_slice
        self._codes = lambda: [code for code, code_map in maps.items() if code_map is not None]
        register = monitoring.register_callback
        register(tool, events.PY_START, on_start)
        register(tool, events.PY_RESUME, on_start)
        register(tool, events.PY_THROW, on_throw)
        register(tool, events.PY_RETURN, on_leave)
        register(tool, events.PY_YIELD, on_leave)
        register(tool, events.JUMP, on_unconditional_jump)
        register(tool, events.BRANCH, on_jump)
        register(tool, events.INSTRUCTION, on_instruction)
        register(tool, events.RAISE, on_raise)
        register(tool, events.RERAISE, on_raise)
        register(tool, events.EXCEPTION_HANDLED, on_handled)
        register(tool, events.PY_UNWIND, on_unwind)
        monitoring.set_events(
            tool,
            events.PY_START
            | events.PY_RESUME
            | events.PY_THROW
            | events.RAISE
            | events.RERAISE
            | events.EXCEPTION_HANDLED
            | events.PY_UNWIND,
        )
