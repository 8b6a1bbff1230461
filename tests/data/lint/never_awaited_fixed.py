"""A coroutine function awaited: it runs."""

import asyncio


async def work():
    return 1


async def main():
    await work()
    await asyncio.sleep(0)


asyncio.run(main())
