"""Smallest recording: the baseline for the recording process peak memory."""

import asyncio

asyncio.run(asyncio.sleep(0))
