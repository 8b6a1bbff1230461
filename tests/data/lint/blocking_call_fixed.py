"""A coroutine awaits asyncio.sleep(): the loop goes on meanwhile."""

import asyncio


async def tick():
    for _ in range(3):
        await asyncio.sleep(0.1)


async def job():
    await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    await asyncio.sleep(0.05)


async def main():
    await asyncio.gather(tick(), job())


asyncio.run(main())
