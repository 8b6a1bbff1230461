"""Condition: notify(1) versus notify_all()

A `Condition` pairs a lock with a waiting room. A consumer takes the lock,
checks the shared state, and if there is nothing for it calls `wait()`,
which releases the lock and sleeps until someone notifies. The producer
changes the state under the same lock and calls `notify(n)` or
`notify_all()`.

Watch three diners wait on the condition for food. At t=1 s the kitchen
puts out one plate and calls `notify(1)`: only the first diner in line
wakes. At t=2 s it puts out two plates and calls `notify_all()`: both
remaining diners wake. But a woken diner must get the lock back before its
`wait()` returns, and the kitchen keeps it for another half second: bob
and cy queue for the lock, and leave the waiting room one at a time once
the kitchen lets go at t=2.5 s.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def diner(name, cond, plates):
    async with cond:
        while not plates:
            await cond.wait()
        plate = plates.pop(0)
    print(f"{name} eats {plate} at t={elapsed():.1f}s")
    return plate


async def kitchen(cond, plates):
    await asyncio.sleep(1)
    async with cond:
        plates.append("soup")
        cond.notify(1)  # wake one diner
    await asyncio.sleep(1)
    async with cond:
        plates.extend(["pasta", "pie"])
        cond.notify_all()  # wake everyone still waiting...
        await asyncio.sleep(0.5)  # ...but keep the lock: they must queue for it


async def main():
    cond = asyncio.Condition()
    plates = []
    diners = []
    for name in ("ann", "bob", "cy"):
        diners.append(asyncio.create_task(diner(name, cond, plates), name=name))
    cook = asyncio.create_task(kitchen(cond, plates), name="kitchen")
    eaten = await asyncio.gather(*diners)
    await cook
    return eaten


if __name__ == "__main__":
    asyncio.run(main())
