"""The order in which tasks step on our loop is the order CPython's own loop gives.

Each program runs twice in this process: on a stock SelectorEventLoop, observed
by wrapping Handle._run, and on a recording SimEventLoop, observed through its
frames. Programs without timers must step in exactly the same order; programs
with timers must give the same results at the same relative times.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from conftest import run_recorded

Program = Callable[[], Coroutine[Any, Any, Any]]


def _normal(name: str) -> str:
    return "main" if re.fullmatch(r"Task-\d+", name) else name


def stock_run(main: Program) -> tuple[Any, list[str]]:
    """Run on CPython's own loop; return the result and the names of tasks in step order."""
    order: list[str] = []
    original = asyncio.events.Handle._run

    def observed(handle: asyncio.Handle) -> None:
        owner = getattr(handle._callback, "__self__", None)
        if isinstance(owner, asyncio.Task):
            order.append(_normal(owner.get_name()))
        original(handle)

    asyncio.events.Handle._run = observed  # type: ignore[method-assign]
    loop = asyncio.SelectorEventLoop()
    try:
        result = loop.run_until_complete(main())
    finally:
        asyncio.events.Handle._run = original  # type: ignore[method-assign]
        loop.close()
    return result, order


def simulated_run(main: Program) -> tuple[Any, list[str]]:
    result, frames = run_recorded(main)
    names: dict[str, str] = {}
    order: list[str] = []
    for frame in frames:
        for definition in frame.get("new", ()):
            if "task" in definition:
                names[definition["task"]] = definition["name"]
        if frame["k"] == "task":
            if "name" in frame:
                names[frame["a"]] = frame["name"]
            order.append(_normal(names[frame["a"]]))
    return result, order


# -- programs without timers ---------------------------------------------------------


async def lock_and_yields() -> list[str]:
    lock = asyncio.Lock()
    log: list[str] = []

    async def worker(name: str) -> None:
        for i in range(4):
            await asyncio.sleep(0)
            async with lock:
                log.append(f"{name}{i}")
                await asyncio.sleep(0)

    await asyncio.gather(*(asyncio.create_task(worker(n), name=n) for n in "abcd"))
    return log


async def bounded_queue() -> list[int]:
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=2)
    seen: list[int] = []

    async def producer() -> None:
        for i in range(8):
            await queue.put(i)
        for _ in range(2):
            await queue.put(None)

    async def consumer() -> None:
        while (item := await queue.get()) is not None:
            seen.append(item)
            queue.task_done()
        queue.task_done()

    tasks = [asyncio.create_task(producer(), name="producer")]
    tasks += [asyncio.create_task(consumer(), name=f"consumer-{i}") for i in range(2)]
    await queue.join()
    await asyncio.gather(*tasks)
    return seen


async def event_condition_semaphore() -> list[str]:
    event = asyncio.Event()
    cond = asyncio.Condition()
    sem = asyncio.Semaphore(2)
    log: list[str] = []

    async def waiter(name: str) -> None:
        await event.wait()
        async with sem:
            log.append(f"{name} in")
            await asyncio.sleep(0)
        async with cond:
            await cond.wait()
            log.append(f"{name} notified")

    tasks = [asyncio.create_task(waiter(n), name=n) for n in ("w1", "w2", "w3")]
    await asyncio.sleep(0)
    event.set()
    for _ in range(6):
        await asyncio.sleep(0)
    async with cond:
        cond.notify(1)
    await asyncio.sleep(0)
    async with cond:
        cond.notify_all()
    await asyncio.gather(*tasks)
    return log


async def cancellation_and_shield() -> list[str]:
    log: list[str] = []
    blocker = asyncio.Event()

    async def victim() -> None:
        try:
            await blocker.wait()
        except asyncio.CancelledError:
            log.append("victim cancelled")
            raise
        finally:
            log.append("victim cleanup")

    async def shielded_job() -> str:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return "shielded done"

    victim_task = asyncio.create_task(victim(), name="victim")
    inner = asyncio.create_task(shielded_job(), name="inner")

    async def outer() -> None:
        await asyncio.shield(inner)

    outer_task = asyncio.create_task(outer(), name="outer")
    await asyncio.sleep(0)
    victim_task.cancel()
    outer_task.cancel()
    results = await asyncio.gather(victim_task, outer_task, inner, return_exceptions=True)
    log.extend(type(r).__name__ if isinstance(r, BaseException) else r for r in results)
    return log


async def taskgroup_failure() -> list[str]:
    log: list[str] = []

    async def fails() -> None:
        await asyncio.sleep(0)
        raise ValueError("boom")

    async def sibling(name: str) -> None:
        try:
            for _ in range(5):
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            log.append(f"{name} cancelled")
            raise

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(fails(), name="fails")
            group.create_task(sibling("s1"), name="s1")
            group.create_task(sibling("s2"), name="s2")
    except* ValueError as errors:
        log.append(f"group: {[str(e) for e in errors.exceptions]}")
    return log


async def wait_and_as_completed() -> list[str]:
    log: list[str] = []

    async def job(name: str, hops: int) -> str:
        for _ in range(hops):
            await asyncio.sleep(0)
        return name

    tasks = [asyncio.create_task(job(n, h), name=n) for n, h in (("slow", 5), ("fast", 1), ("mid", 3))]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    log.append(f"first: {[t.result() for t in done]}")
    for next_done in asyncio.as_completed(pending):
        log.append(await next_done)
    return log


async def async_generators() -> list[int]:
    async def ticks(n: int):
        try:
            for i in range(n):
                await asyncio.sleep(0)
                yield i
        finally:
            await asyncio.sleep(0)

    out = [i async for i in ticks(3)]
    agen = ticks(10)
    out.append(await agen.__anext__())
    await agen.aclose()
    return out


async def barrier_rounds() -> list[str]:
    barrier = asyncio.Barrier(3)
    log: list[str] = []

    async def party(name: str) -> None:
        for round_ in range(2):
            await asyncio.sleep(0)
            position = await barrier.wait()
            log.append(f"{name}:{round_}:{position}")

    await asyncio.gather(*(asyncio.create_task(party(n), name=n) for n in ("p1", "p2", "p3")))
    return log


UNTIMED = [
    lock_and_yields,
    bounded_queue,
    event_condition_semaphore,
    cancellation_and_shield,
    taskgroup_failure,
    wait_and_as_completed,
    async_generators,
    barrier_rounds,
]


@pytest.mark.parametrize("program", UNTIMED, ids=lambda p: p.__name__)
def test_task_steps_in_the_same_order_as_cpython(program: Program) -> None:
    stock_result, stock_order = stock_run(program)
    sim_result, sim_order = simulated_run(program)
    assert sim_result == stock_result
    assert sim_order == stock_order
    assert len(sim_order) > 3


# -- programs with timers --------------------------------------------------------------


async def staggered_sleepers() -> list[tuple[str, float]]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    finished: list[tuple[str, float]] = []

    async def sleeper(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        finished.append((name, round(loop.time() - start, 2)))

    await asyncio.gather(*(sleeper(n, d) for n, d in (("c", 0.15), ("a", 0.05), ("b", 0.1))))
    return finished


async def timeouts_and_call_later() -> list[tuple[str, float]]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    log: list[tuple[str, float]] = []
    loop.call_later(0.1, lambda: log.append(("call_later", round(loop.time() - start, 2))))
    try:
        await asyncio.wait_for(asyncio.sleep(1), timeout=0.05)
    except TimeoutError:
        log.append(("wait_for timed out", round(loop.time() - start, 2)))
    try:
        async with asyncio.timeout(0.1):
            await asyncio.sleep(1)
    except TimeoutError:
        log.append(("timeout block", round(loop.time() - start, 2)))
    return log


@pytest.mark.parametrize("program", [staggered_sleepers, timeouts_and_call_later], ids=lambda p: p.__name__)
def test_timed_programs_agree_on_results_and_relative_times(program: Program) -> None:
    stock_result, _ = stock_run(program)
    sim_result, _ = simulated_run(program)
    assert [name for name, _ in sim_result] == [name for name, _ in stock_result]
    for (_, sim_time), (_, stock_time) in zip(sim_result, stock_result, strict=True):
        # Real timers fire a little late; virtual ones exactly on time.
        assert stock_time - 0.03 <= sim_time <= stock_time + 0.005
