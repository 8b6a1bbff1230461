"""The narration and the deadlock report tell the real cause of a wake-up or a wait."""

from __future__ import annotations

import pytest

from tui.engine import cpython
from tui.trace.narrate import narrate
from tui.trace.state import World

pytestmark = pytest.mark.slow  # every test records a program in its own process


def sentences(trace) -> list[str]:
    world, said = World(), []
    for frame in trace.frames():
        before = world.snapshot()
        world.apply(frame)
        said.append(narrate(frame, world, before))
    return said


WAIT_FOR = """
    import asyncio

    async def job():
        await asyncio.sleep(0.1)
        return 1

    async def main():
        print(await asyncio.wait_for(job(), {timeout}))

    asyncio.run(main())
"""


def test_wait_for_whose_job_finished_in_time_is_not_told_as_a_timeout(record_source) -> None:
    in_time = sentences(record_source(WAIT_FOR.format(timeout=1)))
    assert not any("timeout expired" in s or "timeout cancelled" in s for s in in_time)
    if not cpython.running.wait_for_uses_timeout:
        # 3.11 runs the job as a task of its own and one callback wakes wait_for() either way.
        assert any("the job it awaited with wait_for() finished in time" in s for s in in_time)
    late = record_source(WAIT_FOR.format(timeout=0.05))
    assert late.summary["outcome"] == "exception"
    assert any("wait_for()'s timeout expired" in s or "wait_for()'s timeout cancelled" in s for s in sentences(late))


def test_a_barrier_that_trips_says_it_released_its_waiters(record_source) -> None:
    threads = sentences(
        record_source(
            """
            import threading, time

            barrier = threading.Barrier(3)

            def party(i):
                time.sleep(0.1 * i)
                barrier.wait()

            workers = [threading.Thread(target=party, args=(i,)) for i in range(3)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            """
        )
    )
    tripped = [s for s in threads if "as the last of its 3 parties, which trips it and releases the 2" in s]
    assert len(tripped) == 1 and tripped[0].startswith("Thread-3 (party) wakes from time.sleep(), arrives at")
    assert sum("wakes because barrier (Barrier#1) tripped: all its 3 parties arrived" in s for s in threads) == 2
    tasks = sentences(
        record_source(
            """
            import asyncio

            async def party(barrier, i):
                await asyncio.sleep(0.1 * i)
                await barrier.wait()

            async def main():
                barrier = asyncio.Barrier(3)
                await asyncio.gather(*(party(barrier, i) for i in range(3)))

            asyncio.run(main())
            """
        )
    )
    assert sum("which trips it, waking Task-2 and Task-3" in s for s in tasks) == 1
    assert sum("wakes because barrier (Barrier#1) tripped" in s for s in tasks) == 2


def test_a_deadlock_in_queue_join_says_join(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            q = asyncio.Queue()
            await q.put(1)
            await q.join()

        asyncio.run(main())
        """
    )
    assert trace.summary["outcome"] == "deadlock"
    report = trace.summary["report"]["text"]
    assert "Task-1 waits in join() until its 1 unfinished item of q (Queue#1) is done" in report
    assert "room" not in report


def test_waiting_inside_a_condition_is_no_cycle_but_taking_a_lock_twice_is(record_source) -> None:
    event = record_source(
        """
        import threading

        class Flag(threading.Event):
            pass

        def wait_for_flag():
            Flag().wait()

        threading.Thread(target=wait_for_flag).start()
        threading.Event().wait()
        """
    )
    assert event.summary["outcome"] == "deadlock"
    assert event.summary["report"]["cycle"] == [], event.summary["report"]["text"]
    twice = record_source(
        """
        import threading

        lock = threading.Lock()
        lock.acquire()
        lock.acquire()
        """
    )
    assert "cycle: MainThread -> lock (Lock#1) -> MainThread" in twice.summary["report"]["text"]


def test_a_sentence_about_500_gathered_tasks_stays_a_sentence(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            await asyncio.gather(*(asyncio.sleep(0.01) for _ in range(500)))

        asyncio.run(main())
        """
    )
    said = sentences(trace)
    assert max(len(s) for s in said) < 300
    assert any("gather(" in s and "and 495 more)" in s for s in said)
