"""A coroutine function called without await: the coroutine never runs."""

import asyncio


async def work():
    return 1


async def main():
    work()
    await asyncio.sleep(0)


asyncio.run(main())
