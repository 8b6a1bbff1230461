"""Benchmark workload: 200,000 tasks created in one step (asyncio.gather), each one sleep(0)."""

import asyncio


async def f():
    await asyncio.sleep(0)


async def main():
    await asyncio.gather(*(f() for _ in range(200_000)))


asyncio.run(main())
