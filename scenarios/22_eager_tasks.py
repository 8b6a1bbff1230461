"""Eager tasks: starting inside create_task()

Since Python 3.12 a loop can start new tasks eagerly. After
`loop.set_task_factory(asyncio.eager_task_factory)`, create_task() runs the
new task's first step at once, inside the creator's step, instead of putting
it at the back of the ready queue. A coroutine that never awaits (a cache
hit here) has finished before create_task() returns; one that awaits runs
up to its first real wait, then carries on like any other task. This lesson
creates the same two tasks twice. In the first round they are queued and
run only when main awaits the gather. In the second, each new task's frame
says it "starts eagerly inside Task-1's step", and the printed lines come in
a different order: the tasks speak before main's next line does.
"""

import asyncio
import sys

CACHE = {"home": "cached home page"}


async def fetch(url):
    print(f"  fetch({url!r}) begins")
    if url in CACHE:
        return CACHE[url]  # no await: an eager task ends right here
    await asyncio.sleep(0.1)  # the network
    print(f"  fetch({url!r}) has its page")
    return f"page {url}"


async def round_of(mode):
    print(f"{mode} tasks:")
    hit = asyncio.create_task(fetch("home"), name=f"{mode} home")
    miss = asyncio.create_task(fetch("news"), name=f"{mode} news")
    print(f"  after create_task(): hit done={hit.done()}, miss done={miss.done()}")
    return await asyncio.gather(hit, miss)


async def main():
    if not hasattr(asyncio, "eager_task_factory"):
        print(f"This lesson needs Python 3.12 or newer (eager tasks); this is Python {sys.version.split()[0]}.")
        return "skipped: eager tasks need Python 3.12"
    await round_of("queued")  # the default
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)
    pages = await round_of("eager")
    loop.set_task_factory(None)  # asyncio.run() makes its clean-up tasks the usual way
    return pages


if __name__ == "__main__":
    asyncio.run(main())
