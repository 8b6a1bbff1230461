"""Timeouts, cancellation and finally

A task is cancelled by raising `CancelledError` inside it at the await
where it is paused. `try/finally` blocks (and `async with` exits) still
run on the way out, so a well-written coroutine cleans up after itself.

This lesson stops the same slow job three ways.
`asyncio.wait_for(report, timeout=1)` cancels the report task after 1 s
and raises `TimeoutError` in main. `async with asyncio.timeout(1):` limits
a whole block: when time is up it cancels main itself, then turns that
CancelledError into `TimeoutError` as the block exits. `backup.cancel()`
stops a background task directly. Each time, watch the job's sleep get
cancelled, the job resume with CancelledError, and its "cleanup" line
print from `finally` before main carries on. Total: 1 + 1 + 0.5 = 2.5 s.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def slow_job(name, seconds):
    print(f"{name}: started at t={elapsed():.1f}s")
    try:
        await asyncio.sleep(seconds)
        return f"{name} finished"
    finally:
        print(f"{name}: cleanup in finally at t={elapsed():.1f}s")


async def main():
    outcomes = []
    report = asyncio.create_task(slow_job("report", 5), name="report")
    try:
        await asyncio.wait_for(report, timeout=1)
    except TimeoutError:
        outcomes.append("report timed out")

    try:
        async with asyncio.timeout(1):
            await slow_job("search", 3)
    except TimeoutError:
        outcomes.append("search timed out")

    backup = asyncio.create_task(slow_job("backup", 10), name="backup")
    await asyncio.sleep(0.5)
    backup.cancel()
    try:
        await backup
    except asyncio.CancelledError:
        outcomes.append("backup cancelled")
    return outcomes


if __name__ == "__main__":
    asyncio.run(main())
