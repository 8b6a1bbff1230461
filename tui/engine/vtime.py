"""Provides the virtual versions of time, datetime and os.urandom for a recorded program."""

from __future__ import annotations

import datetime as _datetime
import os
import random
import time
from typing import Any

from tui.engine.clock import VirtualClock
from tui.engine.kernel import Kernel

EPOCH = 1_700_000_000.0
"""What time.time() says at virtual t=0 (2023-11-14 22:13:20 UTC): fixed, so traces never differ."""

# Captured before patching: the recorder's own bookkeeping needs wall time.
real_monotonic = time.monotonic
real_sleep = time.sleep


def install(clock: VirtualClock, kernel: Kernel, seed: int) -> None:
    """Make every clock the program can read follow `clock`, and its randomness follow `seed`."""

    settle = kernel.settle  # CPU spent since the last check counts too

    def monotonic() -> float:
        settle()
        return clock.now

    def monotonic_ns() -> int:
        settle()
        return round(clock.now * 1e9)

    def wall() -> float:
        settle()
        return EPOCH + clock.now

    def wall_ns() -> int:
        settle()
        return round((EPOCH + clock.now) * 1e9)

    def sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        kernel.sleep(float(seconds))

    time.monotonic = monotonic
    time.perf_counter = monotonic
    time.monotonic_ns = monotonic_ns
    time.perf_counter_ns = monotonic_ns
    time.time = wall
    time.time_ns = wall_ns
    time.sleep = sleep

    class VirtualDatetime(_datetime.datetime):
        """datetime.now() and friends read the virtual wall clock."""

        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return cls.fromtimestamp(wall(), tz)

        @classmethod
        def utcnow(cls) -> Any:
            return cls.fromtimestamp(wall(), _datetime.UTC).replace(tzinfo=None)

        @classmethod
        def today(cls) -> Any:
            return cls.fromtimestamp(wall())

    class VirtualDate(_datetime.date):
        @classmethod
        def today(cls) -> Any:
            return cls.fromtimestamp(wall())

    VirtualDatetime.__name__ = VirtualDatetime.__qualname__ = "datetime"
    VirtualDate.__name__ = VirtualDate.__qualname__ = "date"
    VirtualDatetime.__module__ = VirtualDate.__module__ = "datetime"
    _datetime.datetime = VirtualDatetime  # type: ignore[misc]
    _datetime.date = VirtualDate  # type: ignore[misc]

    random.seed(seed)
    urandom_source = random.Random(seed ^ 0x5EED)

    def urandom(size: int) -> bytes:
        return urandom_source.randbytes(size)

    os.urandom = urandom
