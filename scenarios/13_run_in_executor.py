"""run_in_executor and to_thread

Some code cannot await: a plain function that sleeps, crunches numbers or
calls a blocking library. Run it with `loop.run_in_executor(None, func,
arg)` or `asyncio.to_thread(func, arg)` and it goes to a pool of worker
threads, while the loop gets an awaitable that completes when the thread
returns. The loop itself stays free to run other tasks.

Watch the ticker task keep its 0.5 s rhythm (t=0.5, 1 and 1.5 s) while
two worker threads each spend 2 s in `time.sleep`. The threads run side by side, so both results
arrive at t=2 s, not t=4 s. In this recording the threads' sleeps are
virtual too, so they cost no real time.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


def resize_image(name):  # ordinary blocking code
    time.sleep(2)
    return f"{name} resized"


async def ticker(beats):
    for _ in range(beats):
        await asyncio.sleep(0.5)
        print(f"tick at t={elapsed():.1f}s")


async def main():
    loop = asyncio.get_running_loop()
    ticks = asyncio.create_task(ticker(3), name="ticker")
    # run_in_executor hands the call to a thread at once and returns a Future
    cat = loop.run_in_executor(None, resize_image, "cat.png")
    # to_thread is a coroutine: wrap it in a task so it starts without waiting
    dog = asyncio.create_task(asyncio.to_thread(resize_image, "dog.png"), name="dog")
    results = await asyncio.gather(cat, dog)
    print(f"results at t={elapsed():.1f}s: {results}")
    await ticks
    return results


if __name__ == "__main__":
    asyncio.run(main())
