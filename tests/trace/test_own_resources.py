"""Only the program's own resources are listed, and every worker that ran work is an actor with frames.

The standard library builds some primitives out of others (an asyncio.Queue's
`finished` Event, a Condition's Lock): those parts belong to the owner, so
they are not listed as the program's resources, and whoever waits on one is
listed with the owner.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # every test records a program in its own process

ASYNCIO_QUEUE = """
    import asyncio

    async def worker(q):
        while True:
            await q.get()
            q.task_done()

    async def main():
        q = asyncio.Queue()
        task = asyncio.create_task(worker(q))
        for i in range(3):
            await q.put(i)
        await q.join()
        task.cancel()

    asyncio.run(main())
"""


def test_an_asyncio_queues_finished_event_is_not_one_of_the_programs_resources(record_source) -> None:
    trace = record_source(ASYNCIO_QUEUE)
    assert trace.summary["outcome"] == "completed", trace.summary
    world = trace.state_at(len(trace) - 1)
    own = [(r.kind, r.name) for r in world.own_resources()]
    assert own == [("Queue", "q")]
    queue_id = world.own_resources()[0].id
    assert [(r.kind, r.name) for r in world.parts_of(queue_id)] == [("Event", "q.finished")]


CONDITION_LOCK = """
    import asyncio

    async def holder(cond):
        async with cond:
            await asyncio.sleep(0.5)

    async def waiter(cond):
        async with cond:
            pass

    async def main():
        cond = asyncio.Condition()
        first = asyncio.create_task(holder(cond), name="holder")
        await asyncio.sleep(0.1)
        await asyncio.gather(first, asyncio.create_task(waiter(cond), name="waiter"))

    asyncio.run(main())
"""


def test_a_task_waiting_for_a_conditions_lock_is_listed_with_the_condition(record_source) -> None:
    trace = record_source(CONDITION_LOCK)
    assert trace.summary["outcome"] == "completed", trace.summary
    seen_waiting = False
    for index in range(len(trace)):
        world = trace.state_at(index)
        assert [r.kind for r in world.own_resources()] in ([], ["Condition"])
        for condition in world.own_resources():
            parts = world.parts_of(condition.id)
            assert [(p.kind, p.name) for p in parts] == [("Lock", "cond.lock")]
            waiting = [world.name(a.id) for a in world.waiters(parts[0].id)]
            seen_waiting = seen_waiting or waiting == ["waiter"]
    assert seen_waiting


POOL = """
    import multiprocessing, os

    def work(n):
        total = 0
        for i in range(20_000):
            total += i
        return n * n, os.getpid()

    if __name__ == "__main__":
        with multiprocessing.Pool(3) as pool:
            results = pool.map(work, range(8))
        print([square for square, _ in results], len({pid for _, pid in results}))
"""


def test_every_pool_worker_that_ran_work_is_an_actor_with_frames(record_source) -> None:
    trace = record_source(POOL)
    assert trace.summary["outcome"] == "completed", trace.summary
    squares, workers_used = trace.summary["stdout"].rsplit(" ", 1)
    assert squares == str([n * n for n in range(8)])
    world = trace.state_at(len(trace) - 1)
    workers = [a for a in world.actors.values() if a.name.startswith("ForkPoolWorker-")]
    busy = [a.name for a in workers if len(trace.frames_of(a.id)) > 1]
    assert len(busy) == int(workers_used) == 3, busy
