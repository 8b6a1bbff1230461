"""An asyncio.Lock is made to be held across an await."""

import asyncio

lock = asyncio.Lock()


async def worker():
    async with lock:
        await asyncio.sleep(0.1)


async def main():
    await worker()


asyncio.run(main())
