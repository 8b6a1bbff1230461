"""Tasks run side by side; Futures arrive later

`asyncio.create_task()` wraps a coroutine in a Task and puts it on the
loop's ready queue. It does not run yet: it starts at the loop's next turn,
as soon as the creating task pauses at an await. Two tasks that sleep 2 s
and 1 s run side by side, so both are done after 2 s, not 3 s.

A Future is a placeholder with no code of its own. Someone else fills it
in with `set_result()`: here the courier task resolves `parcel`
(Future#1) after 0.5 s, and a plain loop callback armed with
`loop.call_later()` resolves `doorbell` (Future#2) at 1.5 s. A task that
awaits a Future (or another Task) sleeps until it is resolved; watch
main's wait move from one to the next.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


async def cook(dish, seconds):
    print(f"{dish}: on the stove for {seconds}s")
    await asyncio.sleep(seconds)
    print(f"{dish}: ready at t={elapsed():.1f}s")
    return dish


async def courier(parcel):
    await asyncio.sleep(0.5)
    parcel.set_result("spices")


async def main():
    loop = asyncio.get_running_loop()
    soup = asyncio.create_task(cook("soup", 2), name="soup")
    bread = asyncio.create_task(cook("bread", 1), name="bread")
    print("two tasks created; neither has started yet")

    parcel = loop.create_future()
    delivery = asyncio.create_task(courier(parcel), name="courier")
    doorbell = loop.create_future()
    loop.call_later(1.5, doorbell.set_result, "ding dong")

    print(f"parcel: {await parcel} at t={elapsed():.1f}s")
    print(f"doorbell: {await doorbell} at t={elapsed():.1f}s")
    dishes = [await soup, await bread]
    await delivery
    return dishes


if __name__ == "__main__":
    asyncio.run(main())
