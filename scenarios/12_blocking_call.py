"""A blocking call freezes the event loop

The event loop runs one step at a time, and a step only ends when the task
returns or pauses at an await.
`time.sleep(2)` (or any slow call that does not await: heavy maths, a
blocking HTTP library, reading a huge file) keeps the step going, and for
those 2 s no other task can run and no timer can fire.

Part 1: a heartbeat should tick every 0.5 s while a job calls
`time.sleep(2)`. Watch the job's step take 2 s of virtual time, and the
heartbeat's timer fire 1.5 s late. Part 2 runs the same job with
`await asyncio.sleep(2)`: the job pauses instead of blocking, and the
heartbeat ticks right on time. (When the slow call cannot be rewritten,
hand it to a thread: see the run_in_executor lesson.)
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def heartbeat(beats):
    for _ in range(beats):
        due = elapsed() + 0.5
        await asyncio.sleep(0.5)
        now = elapsed()
        print(f"  beat at t={now:.1f}s ({now - due:.1f}s late)")


async def blocking_job():
    time.sleep(2)  # blocks the loop: nothing else can run


async def polite_job():
    await asyncio.sleep(2)  # pauses this task only


async def part(number, job):
    print(f"part {number} starts at t={elapsed():.1f}s")
    pulse = asyncio.create_task(heartbeat(4), name=f"heartbeat-{number}")
    work = asyncio.create_task(job(), name=f"{job.__name__}-{number}")
    await asyncio.gather(pulse, work)


async def main():
    await part(1, blocking_job)
    await part(2, polite_job)
    return f"both parts done at t={elapsed():.1f}s"


if __name__ == "__main__":
    asyncio.run(main())
