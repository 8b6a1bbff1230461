"""Semaphore: at most two downloads at a time

Six downloads start together, but `slots = asyncio.Semaphore(2)` lets only
two of them into the `async with slots:` block at once. A semaphore is a
counter: entering takes one from it, leaving gives it back, and a task that
finds it at zero waits in line until someone leaves.

Watch the semaphore's value and its holders: never more than two. The other
downloads wait in arrival order, and each time a download finishes the
next one in line takes its slot. (Just after a release the value can stay
at 0 for a moment: the freed slot is already promised to the waiter that
release woke.) The six downloads add up to 7.8 s of work,
but with two running side by side the whole batch is done at t=4.5 s.
"""

import asyncio
import time

START = time.monotonic()


def elapsed():
    """Seconds since the program started."""
    return time.monotonic() - START


FILES = [  # (name, seconds to download)
    ("movie.mp4", 2),
    ("song.mp3", 1),
    ("photos.zip", 1.5),
    ("notes.txt", 0.3),
    ("game.iso", 1),
    ("book.pdf", 2),
]


async def download(name, seconds, slots):
    async with slots:
        print(f"{name}: start at t={elapsed():.1f}s")
        await asyncio.sleep(seconds)
        print(f"{name}: done at t={elapsed():.1f}s")
    return name


async def main():
    slots = asyncio.Semaphore(2)
    downloads = []
    for name, seconds in FILES:
        downloads.append(asyncio.create_task(download(name, seconds, slots), name=name))
    finished = await asyncio.gather(*downloads)
    return f"{len(finished)} files at t={elapsed():.1f}s"


if __name__ == "__main__":
    asyncio.run(main())
