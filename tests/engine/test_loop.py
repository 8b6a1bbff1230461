"""SimEventLoop on its own: virtual time, asyncio's API unchanged, clear errors."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

import tui.engine
from tui.engine import DeadlockError, SimEventLoop, UnsupportedInSimulation


def run(coro_fn, *args):
    with asyncio.Runner(loop_factory=tui.engine.new_event_loop) as runner:
        return runner.run(coro_fn(*args))


def test_new_event_loop_is_an_abstract_event_loop_starting_at_zero() -> None:
    loop = tui.engine.new_event_loop()
    try:
        assert isinstance(loop, asyncio.AbstractEventLoop)
        assert loop.time() == 0.0
    finally:
        loop.close()


def test_an_hour_of_sleep_costs_no_wall_time() -> None:
    async def main() -> float:
        await asyncio.sleep(3600)
        return asyncio.get_running_loop().time()

    started = time.monotonic()
    assert run(main) == 3600.0
    assert time.monotonic() - started < 2.0


def test_timers_fire_in_due_order_and_ties_in_the_order_they_were_armed() -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        fired: list[str] = []
        done = loop.create_future()
        for name, delay in [("c", 3), ("a", 1), ("b", 2), ("a2", 1), ("end", 4)]:
            loop.call_later(delay, fired.append, name)
        loop.call_at(4.5, done.set_result, None)
        await done
        return fired

    assert run(main) == ["a", "a2", "b", "c", "end"]


def test_sleeps_due_at_the_same_instant_wake_in_the_order_they_began_as_on_cpython() -> None:
    # On CPython the clock moves between the six sleep() calls, so equal delays
    # end in the order they started; a heap of equal virtual times would not.
    async def main() -> list[int]:
        woke: list[int] = []

        async def sleeper(i: int) -> None:
            await asyncio.sleep(0.02)
            woke.append(i)

        await asyncio.gather(*(sleeper(i) for i in range(6)))
        return woke

    assert run(main) == asyncio.run(main()) == list(range(6))


def test_a_timer_armed_earlier_for_a_later_start_still_fires_first_on_a_tie() -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        fired: list[str] = []
        loop.call_at(loop.time() + 0.2, fired.append, "armed first")
        await asyncio.sleep(0.1)
        loop.call_later(0.1, fired.append, "armed second")  # due at the same 0.2 here
        await asyncio.sleep(0.2)
        return fired

    assert run(main) == ["armed first", "armed second"]


def test_call_soon_callbacks_run_fifo_before_the_next_iterations_callbacks() -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        order: list[str] = []

        def first() -> None:
            order.append("first")
            loop.call_soon(order.append, "scheduled by first")

        loop.call_soon(first)
        loop.call_soon(order.append, "second")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return order

    assert run(main) == ["first", "second", "scheduled by first"]


def test_wait_for_and_timeout_expire_at_the_exact_virtual_time() -> None:
    async def main() -> list[float]:
        loop = asyncio.get_running_loop()
        seen = []
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.sleep(10), timeout=2.5)
        seen.append(loop.time())
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.5):
                await asyncio.Event().wait()
        seen.append(loop.time())
        return seen

    assert run(main) == [2.5, 4.0]


def test_cancellation_propagates_and_finally_runs() -> None:
    async def main() -> list[str]:
        log: list[str] = []

        async def child() -> None:
            try:
                await asyncio.sleep(100)
            finally:
                log.append("cleanup")

        task = asyncio.create_task(child())
        await asyncio.sleep(1)
        task.cancel("stop")
        with pytest.raises(asyncio.CancelledError):
            await task
        log.append(f"cancelled={task.cancelled()} at t={asyncio.get_running_loop().time()}")
        return log

    assert run(main) == ["cleanup", "cancelled=True at t=1.0"]


def test_current_task_all_tasks_and_contextvars_behave_as_usual() -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")

    async def handler(value: str) -> tuple[str, str]:
        request_id.set(value)
        await asyncio.sleep(0.1)
        return asyncio.current_task().get_name(), request_id.get()

    async def main() -> tuple[list[tuple[str, str]], int, str]:
        tasks = [asyncio.create_task(handler(v), name=f"h-{v}") for v in ("x", "y")]
        count = len(asyncio.all_tasks())
        results = await asyncio.gather(*tasks)
        return results, count, request_id.get()

    results, count, outer = run(main)
    assert results == [("h-x", "x"), ("h-y", "y")]
    assert count == 3
    assert outer == "none"


def test_async_generators_are_finalized_by_shutdown_asyncgens() -> None:
    log: list[str] = []

    async def numbers():
        try:
            for i in range(10):
                yield i
                await asyncio.sleep(1)
        finally:
            log.append("generator closed")

    async def main() -> int:
        async for value in numbers():
            if value == 2:
                return value  # leaves the generator suspended; shutdown_asyncgens closes it
        return -1

    assert run(main) == 2
    assert log == ["generator closed"]


def test_exception_handler_receives_unretrieved_callback_errors() -> None:
    seen: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: seen.append(str(context["exception"])))

        def broken() -> None:
            raise RuntimeError("callback failed")

        loop.call_soon(broken)
        await asyncio.sleep(0.5)

    run(main)
    assert seen == ["callback failed"]


def test_run_in_executor_and_to_thread_use_real_threads_when_standalone() -> None:
    async def main() -> tuple[int, int, float]:
        loop = asyncio.get_running_loop()
        a = await loop.run_in_executor(None, sum, [1, 2, 3])
        b = await asyncio.to_thread(lambda: 40 + 2)
        return a, b, loop.time()

    assert run(main) == (6, 42, 0.0)


def test_executor_result_arrives_before_a_later_timer() -> None:
    async def main() -> str:
        work = asyncio.to_thread(time.sleep, 0.05)
        done, _ = await asyncio.wait(
            [asyncio.ensure_future(work), asyncio.ensure_future(asyncio.sleep(30))],
            return_when=asyncio.FIRST_COMPLETED,
        )
        return f"{len(done)} done at t={asyncio.get_running_loop().time()}"

    assert run(main) == "1 done at t=0.0"


def test_a_standalone_loop_reports_a_deadlock_instead_of_hanging() -> None:
    async def main() -> None:
        await asyncio.Event().wait()

    # Another live thread could still wake the loop, so it would wait for it.
    assert threading.active_count() == 1, threading.enumerate()

    with pytest.raises(DeadlockError, match="deadlock"):
        run(main)


def test_call_soon_threadsafe_from_a_plain_thread_wakes_an_idle_loop() -> None:
    loop = tui.engine.new_event_loop()
    try:
        fut = loop.create_future()

        def worker() -> None:
            time.sleep(0.1)  # real time: the loop is idle, waiting in what would be select()
            loop.call_soon_threadsafe(fut.set_result, 42)

        thread = threading.Thread(target=worker)
        thread.start()
        assert loop.run_until_complete(asyncio.wait_for(fut, timeout=None)) == 42
        thread.join()
        assert loop.time() == 0  # no timer: the virtual clock never moved
    finally:
        loop.close()


def test_run_coroutine_threadsafe_from_a_plain_thread_runs_and_returns_its_result() -> None:
    loop = tui.engine.new_event_loop()
    results: list[object] = []

    async def job() -> str:
        await asyncio.sleep(5)
        return f"done at t={asyncio.get_running_loop().time():g}"

    def submitter() -> None:
        time.sleep(0.05)
        results.append(asyncio.run_coroutine_threadsafe(job(), loop).result(timeout=10))
        loop.call_soon_threadsafe(loop.stop)

    thread = threading.Thread(target=submitter)
    thread.start()
    try:
        loop.run_forever()
    finally:
        thread.join()
        loop.close()
    assert results == ["done at t=5"]


def test_a_loop_nobody_is_left_to_wake_reports_a_deadlock_once_its_threads_ended() -> None:
    assert threading.active_count() == 1, threading.enumerate()
    loop = tui.engine.new_event_loop()
    thread = threading.Thread(target=time.sleep, args=(0.1,))
    thread.start()
    try:
        with pytest.raises(DeadlockError, match="deadlock"):
            loop.run_until_complete(loop.create_future())
        assert not thread.is_alive()  # it waited for the thread that could have woken it
    finally:
        thread.join()
        loop.close()


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: asyncio.open_connection("example.com", 80), "create_connection"),
        (lambda: asyncio.start_server(lambda r, w: None, "127.0.0.1", 0), "create_server"),
        (lambda: asyncio.create_subprocess_exec("ls"), "subprocess"),
        (lambda: asyncio.get_running_loop().getaddrinfo("example.com", 80), "getaddrinfo"),
    ],
)
def test_unsupported_io_fails_with_a_clear_error(call, named) -> None:
    async def main() -> None:
        await call()

    with pytest.raises(UnsupportedInSimulation, match=named) as raised:
        run(main)
    assert "concur-tui does not simulate" in str(raised.value)


def test_add_reader_is_unsupported_not_silent() -> None:
    loop = SimEventLoop()
    try:
        with pytest.raises(UnsupportedInSimulation, match="add_reader"):
            loop.add_reader(0, lambda: None)
    finally:
        loop.close()


def test_debug_mode_warns_about_a_slow_step_in_virtual_seconds(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        clock = loop._clock  # a blocking call would advance it; do it by hand here

        def hog() -> None:
            clock.now += 0.5

        loop.call_soon(hog)
        await asyncio.sleep(0)

    with (
        caplog.at_level("WARNING", logger="asyncio"),
        asyncio.Runner(debug=True, loop_factory=tui.engine.new_event_loop) as runner,
    ):
        runner.run(main())
    assert any("took 0.500 seconds" in record.getMessage() for record in caplog.records)
