"""A threading.Lock held across an await: the loop's thread holds it while the task sleeps."""

import asyncio
import threading

lock = threading.Lock()


async def worker():
    with lock:
        await asyncio.sleep(0.1)


async def main():
    await worker()


asyncio.run(main())
