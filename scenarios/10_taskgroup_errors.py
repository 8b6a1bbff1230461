"""TaskGroup: one child fails, siblings cancelled

`async with asyncio.TaskGroup() as tg:` starts child tasks and does not
leave the block until all of them are finished. If one child raises, the
group cancels every sibling that is still running, waits for them to
unwind, and then raises all the errors together as an `ExceptionGroup`.

Watch three page fetches. "prices" finishes at t=1 s. "reviews" raises
ValueError at t=2 s, and at that moment "stock" (due at t=3 s) is
cancelled: its `except CancelledError` and `finally` lines print. main
catches the group with `except* ValueError` and returns a summary, so
the program itself ends normally at t=2 s.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def fetch(page, seconds, broken=False):
    try:
        await asyncio.sleep(seconds)
        if broken:
            raise ValueError(f"{page}: bad response")
        print(f"{page}: fetched at t={elapsed():.0f}s")
        return page
    except asyncio.CancelledError:
        print(f"{page}: cancelled at t={elapsed():.0f}s")
        raise
    finally:
        print(f"{page}: closing connection")


async def main():
    summary = "no errors"
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fetch("prices", 1), name="prices")
            tg.create_task(fetch("reviews", 2, broken=True), name="reviews")
            tg.create_task(fetch("stock", 3), name="stock")
    except* ValueError as group:
        errors = [str(error) for error in group.exceptions]
        when = elapsed()
        summary = f"caught {len(errors)} error(s) at t={when:.0f}s: {errors}"
    return summary


if __name__ == "__main__":
    asyncio.run(main())
