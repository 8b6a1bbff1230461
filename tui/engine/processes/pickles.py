"""Provides the pickling of everything sent between processes: the program's own functions travel by name.

Everything sent through a Pool, a ProcessPoolExecutor, a Queue, a Pipe or a
manager's proxy is round-tripped through pickle, so an unpicklable argument
fails as it would. The program's module is `__main__` in every process, so a
function of it is pickled by name and found again in the namespace of the
process that unpickles it, as pickle does for `__main__`.

(The module's name is as long as `process`, where this code was before: a
pickled function of the program names it, and a Queue's pipe counts its bytes.)
"""

from __future__ import annotations

import io
import pickle
import types
from typing import Any

from tui.engine.processes.identity import the_kernel


def _main_attribute(qualname: str) -> Any:
    """Resolve `__main__.name` in the namespace of the process doing the unpickling."""
    namespace = the_kernel().proc.namespace or {}
    value: Any = None
    for position, part in enumerate(qualname.split(".")):
        value = namespace.get(part) if position == 0 else getattr(value, part, None)
        if value is None:
            raise AttributeError(f"Can't get attribute {qualname!r} on <module '__main__'>")
    return value


class _KernelProcessPickler(pickle.Pickler):
    """Functions of the program's own module travel by name, as pickle does for `__main__`."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType) and obj.__module__ in ("__main__", "__mp_main__"):
            namespace = the_kernel().proc.namespace or {}
            if obj.__globals__ is namespace and "<" not in obj.__qualname__:
                return (_main_attribute, (obj.__qualname__,))
        return NotImplemented


class _KernelProcessUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in ("__main__", "__mp_main__"):
            return _main_attribute(name)
        return super().find_class(module, name)


def dumps(obj: Any) -> bytes:
    buffer = io.BytesIO()
    _KernelProcessPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    return _KernelProcessUnpickler(io.BytesIO(data)).load()
