"""A coroutine waits on a thread's queue.Queue: the loop's thread blocks inside the step for 1 s."""

import asyncio
import queue
import threading
import time

results = queue.Queue()


def producer():
    time.sleep(1)
    results.put(1)


async def main():
    worker = threading.Thread(target=producer)
    worker.start()
    results.get()
    await asyncio.sleep(0)
    worker.join()


asyncio.run(main())
