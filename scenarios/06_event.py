"""Event: everyone waits for one signal

An `asyncio.Event` is a flag that starts unset. Any number of tasks can
`await start_gun.wait()`; they all sleep until some task calls
`start_gun.set()`, and then every one of them wakes at once.

Step through and watch three runners line up on the event while the
starter counts down for 1 s. A single `set()` releases all of them at
t=1 s, in the order they started waiting. The event stays set, so a
latecomer who arrives at t=2 s does not wait at all: `wait()` returns at
once. (Call `clear()` to reset an event.)
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def runner(name, start_gun):
    print(f"{name}: on the blocks")
    await start_gun.wait()
    print(f"{name}: running at t={elapsed():.0f}s")


async def latecomer(start_gun):
    await asyncio.sleep(2)
    await start_gun.wait()  # already set: no waiting
    print(f"latecomer: running at t={elapsed():.0f}s")


async def starter(start_gun):
    await asyncio.sleep(1)
    print("starter: BANG")
    start_gun.set()


async def main():
    start_gun = asyncio.Event()
    tasks = []
    for name in ("ann", "bob", "cy"):
        tasks.append(asyncio.create_task(runner(name, start_gun), name=name))
    tasks.append(asyncio.create_task(starter(start_gun), name="starter"))
    tasks.append(asyncio.create_task(latecomer(start_gun), name="latecomer"))
    await asyncio.gather(*tasks)
    return start_gun.is_set()


if __name__ == "__main__":
    asyncio.run(main())
