"""A task fails and main awaits it: the exception is retrieved (and handled)."""

import asyncio


async def boom():
    raise ValueError("boom")


async def main():
    task = asyncio.create_task(boom())
    await asyncio.sleep(0.1)
    try:
        await task
    except ValueError as exc:
        print("handled", exc)


asyncio.run(main())
