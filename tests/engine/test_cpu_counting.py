"""The bytecode counter in use counts what one event per instruction would, and ends quanta at the same places.

The oracle counts the plainest way the running CPython offers (sys.settrace
opcode events on 3.11, sys.monitoring INSTRUCTION events on 3.12+). The
counter under test is the one the engine uses on this version: on 3.12+
MonitoringCounter, which hears only about jumps, branches, calls, returns
and exceptions and adds up the instructions in between from its tables.
"""

from __future__ import annotations

import functools
import gc
import sys
import textwrap
from collections.abc import Callable
from types import CodeType

import pytest

from tui.engine import cpython
from tui.engine.cpu.switchpoints import switch_offsets

PROGRAMS = {
    "loops and branches": """
        def crunch(n):
            t = 0
            for i in range(n):
                t += i % 7
                if t > 10**9:
                    break
            while n > 0:
                n -= 3 if n % 2 else 1
            return t
        crunch(3000)
    """,
    "calls, recursion, comprehensions": """
        def deep(n):
            return 0 if n == 0 else 1 + deep(n - 1)
        def comp(n):
            return sum([x * x for x in range(n) if x % 2]) + len({x: 1 for x in range(n)})
        deep(150); comp(300)
        sorted(range(200), key=lambda x: -x)
    """,
    "generators, throw and close": """
        def gen(n):
            for i in range(n):
                yield i * 2
        def thrower():
            try:
                yield 1
            except KeyError:
                yield 2
        sum(gen(500))
        g = gen(10); next(g); g.close()
        t = thrower(); next(t); t.throw(KeyError)
    """,
    "loops that call generators, recursive generators, yield from in a loop": """
        class Guard:
            def __enter__(self): return self
            def __exit__(self, *exc): return False
        def gen(n):
            for i in range(n):
                yield i
        def walk(depth):
            for i in range(2):
                if depth:
                    yield from walk(depth - 1)
                else:
                    yield i
        def drain(items, sets):
            while items:
                item = items[-1]
                for s in sets:
                    s.discard(item)
                with Guard():
                    pass
                yield items.pop()
        def finish(fs):
            fs = set(fs)
            pending = fs - {0, 1}
            try:
                yield from drain([0, 1], (fs,))
                while pending:
                    with Guard():
                        done = [pending.pop()]
                    yield from drain(done, (fs, pending))
            finally:
                for f in range(3):
                    with Guard():
                        pass
        for k in range(3):
            for x in gen(20):
                pass
        sum(walk(5))
        for x in finish(range(40)):
            pass
        n = 0
        while True:
            n += 1
            if n > 50:
                break
    """,
    "exceptions across frames": """
        def fail():
            raise ValueError("no")
        def middle():
            fail()
        def outer(n):
            k = 0
            for i in range(n):
                try:
                    if i % 3 == 0:
                        middle()
                    k += 1
                except ValueError:
                    k -= 1
                finally:
                    k += 2
            return k
        outer(300)
    """,
    "coroutines, async for and async with": """
        class Y:
            def __await__(self):
                yield 1
                return 5
        class AIter:
            def __init__(self, n): self.n = n
            def __aiter__(self): return self
            async def __anext__(self):
                if self.n <= 0:
                    raise StopAsyncIteration
                self.n -= 1
                return self.n
        class Mgr:
            async def __aenter__(self): return 1
            async def __aexit__(self, *exc): return False
        async def agen(n):
            for i in range(n):
                yield i
        async def inner():
            return await Y()
        async def main():
            x = 0
            for _ in range(5):
                x += await inner()
            async for y in AIter(5):
                x += y
            async with Mgr() as m:
                x += m
            async for z in agen(4):
                x += z
            try:
                await Y()
            except ValueError:
                x += 1
            return x + sum([w async for w in agen(3)])
        c = main()
        try:
            while True:
                c.send(None)
        except StopIteration:
            pass
        c = main(); c.send(None)
        try:
            c.throw(ValueError)
        except (ValueError, StopIteration):
            pass
        import asyncio
        async def sleeper():
            await asyncio.sleep(0)
            return sum([await asyncio.sleep(0, i) for i in range(10)])
        asyncio.run(sleeper())
    """,
}


@pytest.fixture(autouse=True)
def no_stray_finalizers():
    """No garbage collection while counting: a generator left over from an earlier program,
    finalised mid-count, would run "<counted>" code that is not the program's (a flaky count)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def compiled(source: str) -> CodeType:
    return compile(textwrap.dedent(source), "<counted>", "exec")


def is_counted(code: CodeType) -> bool:
    return code.co_filename == "<counted>"


def run(code: CodeType) -> None:
    exec(code, {"__name__": "counted"})


Accept = Callable[[CodeType, int], bool]
"""Whether a quantum may end before instruction `offset` of a code object (else: ask again after the next)."""


def anywhere(code: CodeType, offset: int) -> bool:
    return True


@functools.cache
def offsets_of(code: CodeType) -> frozenset[int]:
    """switch_offsets once per code object, as the engine's SwitchPoints caches it: disassembling
    again at every quantum end made one test here take 10-20 s."""
    return switch_offsets(code)


def at_eval_breaker_checks(code: CodeType, offset: int) -> bool:
    return offset < 0 or offset in offsets_of(code)


def oracle(code: CodeType, limit: int, accept: Accept = anywhere) -> tuple[int, list[tuple[str, int]]]:
    """Total instructions, and (function, offset) where each quantum of `limit` ended.

    A quantum `accept` refuses ends again one instruction later, until one is accepted.
    """
    total, ticks, ends = 0, 0, []
    threshold = limit

    def count(name: str, offset: int, code_object: CodeType) -> None:
        nonlocal total, ticks, threshold
        total += 1
        ticks += 1
        if ticks >= threshold:
            ticks = 0
            ends.append((name, offset))
            threshold = limit if accept(code_object, offset) else 1

    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:

        def trace(frame, event, arg):  # type: ignore[no-untyped-def]
            if not is_counted(frame.f_code):
                return None
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            if event == "opcode":
                count(frame.f_code.co_qualname, frame.f_lasti, frame.f_code)
            return trace

        sys.settrace(trace)
        try:
            run(code)
        finally:
            sys.settrace(None)
        return total, ends
    tool = next(t for t in range(6) if monitoring.get_tool(t) is None)
    monitoring.use_tool_id(tool, "oracle")
    seen: dict[CodeType, bool] = {}

    def start(code_object: CodeType, offset: int):  # type: ignore[no-untyped-def]
        if code_object not in seen:
            seen[code_object] = is_counted(code_object)
            if seen[code_object]:
                monitoring.set_local_events(tool, code_object, monitoring.events.INSTRUCTION)
        return None if seen[code_object] else monitoring.DISABLE

    monitoring.register_callback(tool, monitoring.events.PY_START, start)
    monitoring.register_callback(tool, monitoring.events.PY_RESUME, start)
    monitoring.register_callback(
        tool,
        monitoring.events.INSTRUCTION,
        lambda code_object, offset: count(code_object.co_qualname, offset, code_object),
    )
    monitoring.set_events(tool, monitoring.events.PY_START | monitoring.events.PY_RESUME)
    try:
        run(code)
    finally:
        monitoring.set_events(tool, 0)
        for code_object, counted in seen.items():
            if counted:
                monitoring.set_local_events(tool, code_object, 0)
        monitoring.free_tool_id(tool)
    return total, ends


def counted_by_the_engine(code: CodeType, limit: int, accept: Accept = anywhere) -> tuple[int, list[tuple[str, int]]]:
    counter = cpython.running.bytecode_counter(is_counted)
    total, ends = 0, []

    def quantum(spent: int, frame) -> bool:  # type: ignore[no-untyped-def]
        nonlocal total
        total += spent
        ends.append((frame.f_code.co_qualname, frame.f_lasti))
        return accept(frame.f_code, frame.f_lasti)

    counter.start(limit, quantum)
    counter.thread_started(sys._getframe())
    try:
        run(code)
    finally:
        total += counter.take()
        counter.thread_ended()
        counter.stop()
    return total, ends


@pytest.mark.parametrize("limit", [3, 13, 97, 10**12], ids=lambda n: f"quantum-{n}")
@pytest.mark.parametrize("program", list(PROGRAMS))
def test_the_count_and_every_quantum_end_match_one_event_per_instruction(program: str, limit: int) -> None:
    code = compiled(PROGRAMS[program])
    expected_total, expected_ends = oracle(code, limit)
    total, ends = counted_by_the_engine(code, limit)
    assert total == expected_total > 100
    assert ends == expected_ends
    assert len(ends) == expected_total // limit


@pytest.mark.parametrize("limit", [3, 13, 97], ids=lambda n: f"quantum-{n}")
@pytest.mark.parametrize("program", list(PROGRAMS))
def test_a_refused_quantum_end_is_asked_again_at_each_next_instruction(program: str, limit: int) -> None:
    """How a GIL drop waits for the next eval-breaker check: the kernel refuses the other ends."""
    code = compiled(PROGRAMS[program])
    expected_total, expected_ends = oracle(code, limit, at_eval_breaker_checks)
    total, ends = counted_by_the_engine(code, limit, at_eval_breaker_checks)
    assert total == expected_total > 100
    assert ends == expected_ends
    refused = [end for end in ends if not at_eval_breaker_checks_by_name(code, *end)]
    assert refused and len(ends) > expected_total // limit


def at_eval_breaker_checks_by_name(code: CodeType, name: str, offset: int) -> bool:
    objects = [c for c in _all_codes(code) if c.co_qualname == name]
    return any(at_eval_breaker_checks(c, offset) for c in objects)


def _all_codes(code: CodeType) -> list[CodeType]:
    found = [code]
    for const in code.co_consts:
        if isinstance(const, CodeType):
            found += _all_codes(const)
    return found


def test_each_version_counts_with_what_it_offers() -> None:
    counter = cpython.running.bytecode_counter(is_counted)
    expected = "SettraceCounter" if not hasattr(sys, "monitoring") else "MonitoringCounter"
    assert type(counter).__name__ == expected


@pytest.mark.skipif(not hasattr(sys, "monitoring"), reason="sys.monitoring is new in 3.12")
def test_the_counter_gives_back_its_monitoring_tool() -> None:
    monitoring = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
    before = [monitoring.get_tool(t) for t in range(6)]
    counted_by_the_engine(compiled("x = 1\n"), 10)
    assert [monitoring.get_tool(t) for t in range(6)] == before
