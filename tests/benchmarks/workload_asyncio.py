"""Benchmark workload: hundreds of tasks yielding in loops, with some lock contention.

About 400,000 task steps; run it with plain `python` (CPython's own loop) and
under `concur-tui trace --json` to compare.
"""

import asyncio

TASKS = 400
ROUNDS = 1000


async def worker(lock: asyncio.Lock, counter: list[int]) -> None:
    for i in range(ROUNDS):
        await asyncio.sleep(0)
        if i % 100 == 0:
            async with lock:
                counter[0] += 1
                await asyncio.sleep(0)


async def main() -> int:
    lock = asyncio.Lock()
    counter = [0]
    await asyncio.gather(*(worker(lock, counter) for _ in range(TASKS)))
    return counter[0]


if __name__ == "__main__":
    print(asyncio.run(main()))
