"""Bounded queue and back-pressure

`asyncio.Queue(maxsize=2)` holds at most two items. `await queue.put()`
makes the producer wait while the queue is full, and `await queue.get()`
makes a consumer wait while it is empty, so a fast producer can never run
far ahead of slow consumers.

Step through and watch the queue's size (never above 2) and who waits in
which line: at first both consumers wait to get, then the producer fills
the queue and waits to put. Every `get()` makes room, which wakes the
producer. Each consumer calls `task_done()` after finishing an item, and
`await queue.join()` in main returns once all six items are done. The
consumers loop forever, so main cancels them at the end.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def producer(queue):
    for n in range(1, 7):
        await queue.put(f"order-{n}")
        print(f"producer: put order-{n} at t={elapsed():.0f}s")


async def consumer(name, queue):
    while True:
        order = await queue.get()
        await asyncio.sleep(1)  # slow work on one item
        print(f"{name}: finished {order} at t={elapsed():.0f}s")
        queue.task_done()


async def main():
    queue = asyncio.Queue(maxsize=2)
    consumers = []
    for name in ("consumer-1", "consumer-2"):
        consumers.append(asyncio.create_task(consumer(name, queue), name=name))
    feeder = asyncio.create_task(producer(queue), name="producer")
    await feeder
    await queue.join()  # until task_done() was called for every item
    for worker in consumers:
        worker.cancel()
    return f"all orders done at t={elapsed():.0f}s"


if __name__ == "__main__":
    asyncio.run(main())
