"""gather, wait and as_completed

The same three jobs (slow 3 s, fast 1 s, medium 2 s) are run three times.

`gather()` waits for all of them and returns their results in the order
you passed them in, however they finished: slow, fast, medium.
`wait(..., return_when=FIRST_COMPLETED)` hands back as soon as one task is
done, as two sets, done and pending; here we cancel the pending ones.
`as_completed()` yields the jobs in the order they finish, so you can
handle each result the moment it is ready: fast, medium, slow. (It is
built on a small internal queue, so main is shown waiting on a Queue you
never made.)

Watch the clock: 3 s for gather, 1 s for wait, 3 s for as_completed.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


JOBS = [("slow", 3), ("fast", 1), ("medium", 2)]


async def job(name, seconds):
    await asyncio.sleep(seconds)
    return name


def start_jobs(round_name):
    tasks = []
    for name, seconds in JOBS:
        task = asyncio.create_task(job(name, seconds), name=f"{round_name}-{name}")
        tasks.append(task)
    return tasks


async def main():
    results = await asyncio.gather(*start_jobs("gather"))
    print(f"gather: {results} at t={elapsed():.0f}s")

    first = asyncio.FIRST_COMPLETED
    done, pending = await asyncio.wait(start_jobs("wait"), return_when=first)
    finished = [task.result() for task in done]
    print(f"wait: done={finished} at t={elapsed():.0f}s, {len(pending)} pending")
    for task in pending:
        task.cancel()

    order = []
    for next_done in asyncio.as_completed(start_jobs("as_completed")):
        order.append(await next_done)
        print(f"as_completed: {order[-1]} at t={elapsed():.0f}s")
    return {"gather": results, "as_completed": order}


if __name__ == "__main__":
    asyncio.run(main())
