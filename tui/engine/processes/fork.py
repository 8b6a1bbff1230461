"""Provides fork's copy of a process's memory: what a child starts with, and what every process shares.

As CPython's `fork` start method on Linux does, a child starts with a *copy*
of the parent's data: the program's own module namespace is copied
(functions are rebound to the copy), so a child's change to a global is
invisible to the parent and to siblings; so are a Process's own attributes
(its target's arguments are copied, not pickled). A lock is copied in the
state it was in. Kernel-level objects (pipes, queues, shared values) are
`Shared`: every process sees the same one.
"""

from __future__ import annotations

import copy
import types
from typing import Any

from tui.engine.threads.primitives import SimLock, SimRLock, fork_copy

_FORK_COPIERS = types.MappingProxyType({SimLock: fork_copy, SimRLock: fork_copy})
"""Objects fork copies that copy.deepcopy() refuses (a lock cannot be pickled)."""


def _rebind(function: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    twin = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__
    )
    twin.__kwdefaults__ = copy.copy(function.__kwdefaults__)
    twin.__qualname__ = function.__qualname__
    twin.__doc__ = function.__doc__
    twin.__module__ = function.__module__
    twin.__annotations__ = dict(function.__annotations__)
    twin.__dict__.update(function.__dict__)
    return twin


def copy_value(value: Any, memo: dict[int, Any]) -> Any:
    """What the child has where the parent has `value` (modules, classes and functions are not copied)."""
    if isinstance(value, (types.ModuleType, type, types.BuiltinFunctionType, types.FunctionType)):
        return memo.get(id(value), value)
    dispatch = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    # Only while fork copies: the program's own copy.deepcopy(lock) fails, as on CPython.
    dispatch.update(_FORK_COPIERS)
    try:
        return copy.deepcopy(value, memo)
    except Exception:  # a socket, a frame, a generator: shared, as the closest we can do
        return value
    finally:
        for cls in _FORK_COPIERS:
            dispatch.pop(cls, None)


def fork_namespace(parent: dict[str, Any]) -> tuple[dict[str, Any], dict[int, Any]]:
    """A copy of the program's module namespace for a child, and the copying memo."""
    child: dict[str, Any] = {}
    memo: dict[int, Any] = {id(parent): child}
    for value in parent.values():
        if isinstance(value, types.FunctionType) and value.__globals__ is parent:
            memo[id(value)] = _rebind(value, child)
    for name, value in parent.items():
        child[name] = copy_value(value, memo)
    return child, memo


class Shared:
    """Kernel-level objects that every process sees (pipes, queues): fork does not copy them."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self

    def __copy__(self) -> Any:
        return self
