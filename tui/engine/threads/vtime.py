"""Provides the virtual versions of time, datetime and os.urandom for a recorded program."""

from __future__ import annotations

import datetime as _datetime
import operator
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from tui.engine import cpython
from tui.engine.clock import VirtualClock
from tui.engine.runtime import RUN
from tui.engine.threads.kernel import Kernel

EPOCH = 1_700_000_000.0
"""What time.time() says at virtual t=0 (2023-11-14 22:13:20 UTC): fixed, so traces never differ."""

# Captured before patching: the recorder's own bookkeeping needs wall time.
real_monotonic = time.monotonic
real_sleep = time.sleep
real_localtime, real_gmtime, real_ctime = time.localtime, time.gmtime, time.ctime
real_asctime, real_strftime = time.asctime, time.strftime


_INT64_NS = 2**63
"""CPython keeps a timeout as signed 64-bit nanoseconds (_PyTime_t): anything wider overflows."""


def pytime_seconds(value: Any) -> float:
    """A timeout or sleep length converted as CPython converts it to a _PyTime_t: its checks, its words.

    A float is checked for NaN and for fitting in signed 64-bit nanoseconds; anything
    else must be an integer (through __index__), so '1' or Fraction(1, 2) is a TypeError.
    """
    if isinstance(value, float):
        if value != value:
            raise ValueError("Invalid value NaN (not a number)")
        if not -_INT64_NS <= value * 1e9 < _INT64_NS:
            raise OverflowError("timestamp out of range for platform time_t")
        return value
    whole = operator.index(value)  # TypeError "'str' object cannot be interpreted as an integer"
    if not -_INT64_NS <= whole * 10**9 < _INT64_NS:
        raise OverflowError(f"timestamp too large to convert to C {cpython.running.pytime_type}")
    return float(whole)


def sleep_seconds(value: Any) -> float:
    """time.sleep()'s argument checked as CPython checks it, in its order and with its words."""
    seconds = pytime_seconds(value)
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    return seconds


def install(clock: VirtualClock, kernel: Kernel, seed: int) -> None:
    """Make every clock the program can read follow `clock`, and its randomness follow `seed`."""

    settle = kernel.settle  # CPU spent since the last check counts too

    def read() -> float:
        settle()
        if kernel.tracing:
            # Reading the clock is a C call, and costs what an instruction does: a loop
            # that polls the clock through library code alone (as_completed(timeout=0))
            # sees time move, as it does on CPython.
            kernel.charge(kernel.tick_cost)
        return clock.now

    def monotonic() -> float:
        return read()

    def monotonic_ns() -> int:
        return round(read() * 1e9)

    def wall() -> float:
        return EPOCH + read()

    def wall_ns() -> int:
        return round((EPOCH + read()) * 1e9)

    def thread_time() -> float:
        settle()
        return kernel.current.cpu

    def thread_time_ns() -> int:
        return round(thread_time() * 1e9)

    def process_time() -> float:
        settle()
        return sum(thread.cpu for thread in kernel.current.proc.threads)

    def process_time_ns() -> int:
        return round(process_time() * 1e9)

    def sleep(seconds: Any) -> None:
        kernel.sleep(sleep_seconds(seconds))

    def localtime(secs: Any = None) -> time.struct_time:
        return real_localtime(wall() if secs is None else secs)

    def gmtime(secs: Any = None) -> time.struct_time:
        return real_gmtime(wall() if secs is None else secs)

    def ctime(secs: Any = None) -> str:
        return real_ctime(wall() if secs is None else secs)

    def asctime(t: Any = None) -> str:
        return real_asctime(localtime() if t is None else t)

    def strftime(format: str, t: Any = None) -> str:
        return real_strftime(format, localtime() if t is None else t)

    virtual: dict[str, Callable[..., Any]] = {
        "monotonic": monotonic,
        "perf_counter": monotonic,
        "monotonic_ns": monotonic_ns,
        "perf_counter_ns": monotonic_ns,
        "time": wall,
        "time_ns": wall_ns,
        "thread_time": thread_time,
        "thread_time_ns": thread_time_ns,
        "process_time": process_time,
        "process_time_ns": process_time_ns,
        "sleep": sleep,
        "localtime": localtime,
        "gmtime": gmtime,
        "ctime": ctime,
        "asctime": asctime,
        "strftime": strftime,
    }
    replacements: dict[int, Callable[..., Any]] = {}
    for name, function in virtual.items():
        real = getattr(time, name)
        RUN.kept_alive.append(real)  # alive, so no other object can take its id
        replacements[id(real)] = function
        _stand_in(time, name, function)

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
    entropy = random.Random(seed ^ 0xE17)
    real_seed = random.Random.seed

    def urandom(size: int) -> bytes:
        return urandom_source.randbytes(size)

    def getrandom(size: int, flags: int = 0) -> bytes:
        return urandom_source.randbytes(size)

    def seed_from_entropy(self: random.Random, a: Any = None, version: int = 2) -> None:
        # random.Random() and random.seed() with no seed read the OS's entropy in C.
        real_seed(self, entropy.getrandbits(128) if a is None else a, version)

    RUN.kept_alive.extend((os.urandom, getattr(os, "getrandom", None)))
    replacements[id(os.urandom)] = urandom
    _stand_in(os, "urandom", urandom)
    if hasattr(os, "getrandom"):
        replacements[id(os.getrandom)] = getrandom
        _stand_in(os, "getrandom", getrandom)
    random.Random.seed = seed_from_entropy  # type: ignore[method-assign]
    # uuid1() would read the machine's MAC address and, through libuuid, the real clock.
    uuid._node = entropy.getrandbits(48) | 1 << 40  # type: ignore[attr-defined]  # RFC 4122: a random node sets the multicast bit
    if getattr(uuid, "_generate_time_safe", None) is not None:
        uuid._generate_time_safe = None  # type: ignore[attr-defined]
    _rebind_copies(replacements)


def _stand_in(module: Any, name: str, function: Callable[..., Any]) -> None:
    """Put `function` in `module` under `name`, named so that pickle finds it there.

    The program can send `time.sleep` to a pool worker: pickle saves a function
    as "module.qualname" and checks that name leads back to the same object.
    """
    function.__module__ = module.__name__
    function.__name__ = function.__qualname__ = name
    setattr(module, name, function)


def _rebind_copies(replacements: dict[int, Callable[..., Any]]) -> None:
    """Point every module's own copy of a real clock or entropy function at the virtual one.

    `threading` (`_time`), `queue` (`time`) and `subprocess` keep the function
    they imported, and `random` keeps `os.urandom`: patching the `time` and `os`
    modules alone would leave their timed waits on the real clock. Modules
    imported later import the virtual functions. The engine keeps the real ones.
    """
    for name, module in list(sys.modules.items()):
        if module is None or name.startswith("tui.") or name in ("time", "os", "posix"):
            continue
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attribute, value in list(namespace.items()):
            virtual = replacements.get(id(value))
            if virtual is not None:
                namespace[attribute] = virtual
