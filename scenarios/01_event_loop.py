"""The event loop, coroutines and await

Calling an `async def` function does not run any of its code. It only
builds a coroutine object: a paused piece of work waiting for someone to
drive it. `asyncio.run(main())` wraps `main()` in a task (Task-1) and runs
the event loop until it is done; inside, `await brew(...)` runs that
coroutine to its end before the next line.

Step through and notice three things. Task-1 is the only task: awaiting a
coroutine runs it inside the awaiting task and starts nothing new. Tea
(1 s) and coffee (2 s) are awaited one after the other, so their waits add
up and the clock ends at t=3 s. And the cocoa
coroutine is made but never awaited: "start cocoa" is never printed, and
Python complains on stderr that it "was never awaited" when it is thrown
away.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def brew(drink, seconds):
    print(f"start {drink} at t={elapsed():.0f}s")
    await asyncio.sleep(seconds)
    print(f"{drink} ready at t={elapsed():.0f}s")
    return drink


async def main():
    cocoa = brew("cocoa", 5)  # builds a coroutine object; nothing runs yet
    print(f"made a {type(cocoa).__name__} object, but no cocoa is brewing")
    first = await brew("tea", 1)
    second = await brew("coffee", 2)
    del cocoa  # dropped without ever being awaited
    return [first, second]


if __name__ == "__main__":
    asyncio.run(main())
