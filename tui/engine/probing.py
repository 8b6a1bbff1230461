"""Provides what every probe shares, asyncio's and threading's: wrapping a class's methods to report
changes, and showing a value from the program in a frame.

A probe wraps the stdlib class in place (so `isinstance` and subclassing
behave as usual) and always calls the original: the scheduling stays CPython's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

MAX_SHOWN_ITEMS = 20
"""A queue's state shows at most this many of its items: a frame stays small however full the queue is."""


def wrap_touching(cls: type, names: Iterable[str], touch: Callable[[Any], None]) -> None:
    """After each call of these methods (coroutine methods included), tell `touch` the object changed."""
    for name in names:
        original = cls.__dict__[name]
        if inspect.iscoroutinefunction(original):

            async def wrapper(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
                try:
                    return await __original(self, *args, **kwargs)
                finally:
                    touch(self)

        else:

            def wrapper(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:  # type: ignore[misc]
                try:
                    return __original(self, *args, **kwargs)
                finally:
                    touch(self)

        wrapper.__name__ = original.__name__
        wrapper.__qualname__ = original.__qualname__
        wrapper.__doc__ = original.__doc__
        wrapper.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(cls, name, wrapper)


def short_repr(value: Any, limit: int = 60) -> str:
    """repr() of a program's value, cut to `limit` characters; a failing __repr__ is shown, not raised."""
    try:
        text = repr(value)
    except Exception as exc:  # a user's __repr__ may raise; show that instead
        text = f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
