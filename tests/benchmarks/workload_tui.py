"""Benchmark workload for the TUI: 1,000 tasks and about 100,000 frames (30 rounds).

`workload_tui.py ROUNDS` runs more rounds: 300 make about 1,000,000 frames.

Each task sleeps for a different virtual time, takes a shared lock for a
moment, and yields a few times, so the task table, the timeline and the
resources all have a lot to show.
"""

import asyncio
import sys

TASKS = 1000
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 30


async def worker(number: int, lock: asyncio.Lock) -> None:
    for round_ in range(ROUNDS):
        await asyncio.sleep((number % 7 + round_ % 3) * 0.01)
        if round_ % 6 == 0:
            async with lock:
                await asyncio.sleep(0)
        await asyncio.sleep(0)


async def main() -> int:
    lock = asyncio.Lock()
    tasks = [asyncio.create_task(worker(n, lock), name=f"worker-{n}") for n in range(TASKS)]
    await asyncio.gather(*tasks)
    return len(tasks)


if __name__ == "__main__":
    asyncio.run(main())
