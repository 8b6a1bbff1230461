"""A coroutine calls time.sleep(): its step holds the loop for 0.5 s."""

import asyncio
import time


async def tick():
    for _ in range(3):
        await asyncio.sleep(0.1)


async def job():
    await asyncio.sleep(0.05)
    time.sleep(0.5)
    await asyncio.sleep(0.05)


async def main():
    await asyncio.gather(tick(), job())


asyncio.run(main())
