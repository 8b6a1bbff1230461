"""A task fails and nobody awaits it: asyncio says so when the task is collected."""

import asyncio


async def boom():
    raise ValueError("boom")


async def main():
    asyncio.create_task(boom())  # noqa: RUF006 (the bug this program shows: nothing keeps or awaits the task)
    await asyncio.sleep(0.1)


asyncio.run(main())
