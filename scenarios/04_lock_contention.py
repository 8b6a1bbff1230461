"""Lock contention: waiters queue for one Lock

Four workers add money to one shared balance. Each one reads the balance,
awaits (think of a slow database round trip), then writes the new total.
Because the read and the write are separated by an await, another task
could run in between and the update could be lost, so the whole
read-await-write sequence sits inside `async with lock:`.

While stepping, watch who owns the lock and the line of tasks waiting
behind it. The workers reach the lock at different moments
(worker-1, then worker-3, worker-4 and worker-2), and that arrival order,
not their names, decides who gets the lock next: asyncio.Lock is handed on
first come, first served. Each release wakes exactly one waiter. The final
balance is correct, and the run takes the sum of the critical sections:
four times 1 s.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


balance = 0
PLAN = [  # (task name, arrives after seconds, amount to add)
    ("worker-1", 0, 10),
    ("worker-2", 0.3, 20),
    ("worker-3", 0.1, 30),
    ("worker-4", 0.2, 40),
]


async def worker(name, arrives_after, amount, lock):
    global balance
    await asyncio.sleep(arrives_after)
    print(f"{name} wants the lock at t={elapsed():.1f}s")
    async with lock:
        print(f"{name} holds the lock")
        current = balance
        await asyncio.sleep(1)  # slow work while holding the lock
        balance = current + amount
        print(f"{name} wrote balance={balance}")
    return amount


async def main():
    lock = asyncio.Lock()
    workers = []
    for name, arrives, amount in PLAN:
        task = asyncio.create_task(worker(name, arrives, amount, lock), name=name)
        workers.append(task)
    await asyncio.gather(*workers)
    return balance


if __name__ == "__main__":
    asyncio.run(main())
