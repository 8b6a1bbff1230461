"""Provides multiprocessing.Manager(): shared objects kept by a manager, reached through proxies.

As in CPython, every call on a proxy is a request to the manager's server:
its arguments and its result travel pickled, so what a proxy hands out is a
copy (`d["k"].append(1)` changes nothing in the manager; assign it back), and
each call takes a round trip of MANAGER_ROUND_TRIP: the caller waits half of
it before the server does the operation and half after. So two processes
doing `d["n"] += 1` (a get and a set, two requests) can lose updates, as
they do under CPython, and a lock from the same manager prevents it.

The proxies are the ones a SyncManager registers: dict, list, Namespace,
Value, Array, Queue, JoinableQueue, Lock, RLock, Semaphore,
BoundedSemaphore, Condition, Event and Barrier. Starting a manager uses up a
process number (the next Process is `Process-2`), as its server process
does in CPython; the server itself is not drawn as a process.

Why one module of this size: it stands in for multiprocessing.managers, the
manager and every proxy type it registers, each a few lines on BaseProxy's
one request.
"""

from __future__ import annotations

import array
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from tui.engine.processes.pickles import dumps, loads
from tui.engine.runtime import RUN
from tui.engine.threads.actors import Blocker
from tui.engine.threads.kernel import Kernel

MANAGER_ROUND_TRIP = 1e-4
"""Virtual seconds a proxy call takes there and back (a local socket and two pickles)."""


class ManagerCall(Blocker):
    """A thread waiting for its request to reach the manager, or for the answer to come back."""

    __slots__ = ("method", "proxy")

    def __init__(self, proxy: BaseProxy, method: str) -> None:
        self.proxy = proxy
        self.method = method

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        name = type(self.proxy).__name__
        return (name, f"waits for the manager to answer {name}.{self.method}()")


def _half_trip(proxy: BaseProxy, method: str) -> None:
    kernel = RUN.kernel
    if kernel is None:
        return
    kernel.settle()
    kernel.block(ManagerCall(proxy, method), kernel.clock.now + MANAGER_ROUND_TRIP / 2)


class BaseProxy:
    """multiprocessing.managers.BaseProxy: a handle on an object the manager keeps."""

    _exposed_: tuple[str, ...] = ()

    def __init__(self, referent: Any, typeid: str, manager: SyncManager | None = None) -> None:
        self._referent = referent
        self._typeid = typeid
        self._manager = manager
        self._token = RUN.number("proxy")
        RUN.processes.proxies[self._token] = self

    def _callmethod(self, methodname: str, args: tuple[Any, ...] = (), kwds: dict[str, Any] | None = None) -> Any:
        """One request: arguments pickled there, the result (or the exception) pickled back."""
        request = dumps((args, kwds or {}))
        self._check_connected()
        _half_trip(self, methodname)
        args, kwds = loads(request)
        try:
            answer: Any = getattr(self._referent, methodname)(*args, **kwds)
            failed = False
        except Exception as exc:
            answer, failed = exc, True
        if isinstance(answer, _DICT_VIEWS):
            answer = list(answer)  # type: ignore[call-overload]  # the server sends a dict's keys(), values() and items() as lists
        reply = dumps(answer)
        _half_trip(self, methodname)
        value = loads(reply)
        if failed:
            raise value
        return value

    def _check_connected(self) -> None:
        manager = self._manager
        if manager is not None and manager._state == "shutdown":
            raise BrokenPipeError(32, "Broken pipe")  # the server process is gone

    def _getvalue(self) -> Any:
        """A copy of the referent (BaseProxy._getvalue)."""
        self._check_connected()
        reply = dumps(self._referent)
        _half_trip(self, "_getvalue")
        _half_trip(self, "_getvalue")
        return loads(reply)

    def __reduce__(self) -> Any:
        return (_proxy_of, (self._token,))

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self  # a forked child talks to the same manager

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object, typeid {self._typeid!r} at {hex(id(self))}>"

    def __str__(self) -> str:
        try:
            return str(self._callmethod("__repr__"))
        except Exception:
            return repr(self)[:-1] + "; '__str__()' failed>"


def _proxy_of(token: int) -> BaseProxy:
    return RUN.processes.proxies[token]


def _forwarding(name: str) -> Callable[..., Any]:
    def method(self: BaseProxy, /, *args: Any, **kwds: Any) -> Any:
        return self._callmethod(name, args, kwds)

    method.__name__ = method.__qualname__ = name
    return method


def _proxy_type(name: str, exposed: tuple[str, ...], **extra: Any) -> type[BaseProxy]:
    """A proxy class forwarding `exposed` methods, as multiprocessing.managers.MakeProxyType does."""
    namespace: dict[str, Any] = {name_: _forwarding(name_) for name_ in exposed}
    namespace.update(extra, _exposed_=exposed)
    kind = type(name, (BaseProxy,), namespace)
    kind.__module__ = "multiprocessing.managers"
    return kind


def _iadd(self: BaseProxy, value: Any) -> BaseProxy:
    self._callmethod("extend", (value,))
    return self


def _imul(self: BaseProxy, value: Any) -> BaseProxy:
    self._callmethod("__imul__", (value,))
    return self


def _iter_keys(self: BaseProxy) -> Any:
    return iter(self._callmethod("keys"))


_DICT_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))


DictProxy = _proxy_type(
    "DictProxy",
    (
        "__contains__",
        "__delitem__",
        "__getitem__",
        "__len__",
        "__setitem__",
        "clear",
        "copy",
        "get",
        "items",
        "keys",
        "pop",
        "popitem",
        "setdefault",
        "update",
        "values",
    ),
    __iter__=_iter_keys,
)
ListProxy = _proxy_type(
    "ListProxy",
    (
        "__add__",
        "__contains__",
        "__delitem__",
        "__getitem__",
        "__len__",
        "__mul__",
        "__reversed__",
        "__rmul__",
        "__setitem__",
        "append",
        "count",
        "extend",
        "index",
        "insert",
        "pop",
        "remove",
        "reverse",
        "sort",
    ),
    __iadd__=_iadd,
    __imul__=_imul,
)  # iterating one asks for item after item (__getitem__), as in CPython


class Namespace:
    """multiprocessing.managers.Namespace: attributes, shown like SimpleNamespace."""

    def __init__(self, **kwds: Any) -> None:
        self.__dict__.update(kwds)

    def __repr__(self) -> str:
        items = [f"{name}={value!r}" for name, value in self.__dict__.items() if not name.startswith("_")]
        return f"Namespace({', '.join(sorted(items))})"


class NamespaceProxy(BaseProxy):
    _exposed_ = ("__getattribute__", "__setattr__", "__delattr__")

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._callmethod("__getattribute__", (key,))

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_"):
            object.__setattr__(self, key, value)
            return
        self._callmethod("__setattr__", (key, value))

    def __delattr__(self, key: str) -> None:
        if key.startswith("_"):
            object.__delattr__(self, key)
            return
        self._callmethod("__delattr__", (key,))


class Value:
    """multiprocessing.managers.Value: a typecode and a value, with no lock of its own."""

    def __init__(self, typecode: Any, value: Any, lock: bool = True) -> None:
        self._typecode = typecode
        self._value = value

    def get(self) -> Any:
        return self._value

    def set(self, value: Any) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._typecode!r}, {self._value!r})"


class ValueProxy(BaseProxy):
    _exposed_ = ("get", "set")

    def get(self) -> Any:
        return self._callmethod("get")

    def set(self, value: Any) -> None:
        self._callmethod("set", (value,))

    value = property(get, set)


ArrayProxy = _proxy_type("ArrayProxy", ("__len__", "__getitem__", "__setitem__"))
QueueProxy = _proxy_type(
    "AutoProxy[Queue]",
    ("empty", "full", "get", "get_nowait", "join", "put", "put_nowait", "qsize", "task_done"),
)
AcquirerProxy = _proxy_type(
    "AcquirerProxy", ("acquire", "release"), __enter__=lambda self: self._callmethod("acquire"),
    __exit__=lambda self, *exc: self._callmethod("release"),
)  # fmt: skip


def _wait_for(self: BaseProxy, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
    """ConditionProxy.wait_for: the predicate runs here, in the caller, as in CPython."""
    result = predicate()
    if result:
        return result
    deadline = None if timeout is None else time.monotonic() + timeout
    waittime = timeout
    while not result:
        if deadline is not None:
            waittime = deadline - time.monotonic()
            if waittime <= 0:
                break
        self._callmethod("wait", (waittime,))
        result = predicate()
    return result


ConditionProxy = _proxy_type(
    "ConditionProxy", ("acquire", "release", "wait", "notify", "notify_all"),
    __enter__=lambda self: self._callmethod("acquire"), __exit__=lambda self, *exc: self._callmethod("release"),
    wait_for=_wait_for,
)  # fmt: skip
EventProxy = _proxy_type("EventProxy", ("is_set", "set", "clear", "wait"))


def _barrier_attribute(name: str) -> property:
    return property(lambda self: self._callmethod("__getattribute__", (name,)))


BarrierProxy = _proxy_type(
    "BarrierProxy", ("wait", "abort", "reset"),
    parties=_barrier_attribute("parties"), n_waiting=_barrier_attribute("n_waiting"),
    broken=_barrier_attribute("broken"),
)  # fmt: skip


class SyncManager:
    """multiprocessing.managers.SyncManager, as Manager() returns it (already started)."""

    def __init__(self) -> None:
        self._state = "initial"
        self._number = 0

    def start(self, initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = ()) -> None:
        if self._state != "initial":
            from multiprocessing import ProcessError

            raise ProcessError("Already started server" if self._state == "started" else "Manager has shut down")
        self._state = "started"
        self._number = RUN.number("process")  # its server process takes a process number
        if initializer is not None:
            initializer(*initargs)

    def shutdown(self) -> None:
        self._state = "shutdown"

    def join(self, timeout: float | None = None) -> None:
        """The server process has nothing left to do once shut down."""

    def __enter__(self) -> SyncManager:
        if self._state == "initial":
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    @property
    def address(self) -> str:
        return f"/tmp/pymp-sim/listener-{self._number}"

    def _check(self) -> None:
        if self._state != "started":
            raise ValueError("Unrecognized state" if self._state == "initial" else "Manager shut down")

    def _make(self, proxy_type: type[BaseProxy], typeid: str, referent: Any) -> Any:
        self._check()
        return proxy_type(referent, typeid, self)

    def dict(self, *args: Any, **kwds: Any) -> Any:
        return self._make(DictProxy, "dict", dict(*args, **kwds))

    def list(self, *args: Any) -> Any:
        return self._make(ListProxy, "list", list(*args))

    def Namespace(self, **kwds: Any) -> Any:
        return self._make(NamespaceProxy, "Namespace", Namespace(**kwds))

    def Value(self, typecode: Any, value: Any, lock: bool = True) -> Any:
        return self._make(ValueProxy, "Value", Value(typecode, value, lock))

    def Array(self, typecode: Any, sequence: Any, lock: bool = True) -> Any:
        return self._make(ArrayProxy, "Array", array.array(typecode, sequence))

    def Queue(self, maxsize: int = 0) -> Any:
        return self._make(QueueProxy, "Queue", queue.Queue(maxsize))

    def JoinableQueue(self, maxsize: int = 0) -> Any:
        return self._make(QueueProxy, "JoinableQueue", queue.Queue(maxsize))

    def Lock(self) -> Any:
        return self._make(AcquirerProxy, "Lock", threading.Lock())

    def RLock(self) -> Any:
        return self._make(AcquirerProxy, "RLock", threading.RLock())

    def Semaphore(self, value: int = 1) -> Any:
        return self._make(AcquirerProxy, "Semaphore", threading.Semaphore(value))

    def BoundedSemaphore(self, value: int = 1) -> Any:
        return self._make(AcquirerProxy, "BoundedSemaphore", threading.BoundedSemaphore(value))

    def Condition(self, lock: Any = None) -> Any:
        inner = lock._referent if isinstance(lock, BaseProxy) else lock
        return self._make(ConditionProxy, "Condition", threading.Condition(inner))

    def Event(self) -> Any:
        return self._make(EventProxy, "Event", threading.Event())

    def Barrier(self, parties: int, action: Callable[[], Any] | None = None, timeout: float | None = None) -> Any:
        return self._make(BarrierProxy, "Barrier", threading.Barrier(parties, action, timeout))

    def __repr__(self) -> str:
        return f"<multiprocessing.managers.SyncManager object at {hex(id(self))}>"


def Manager() -> SyncManager:
    """multiprocessing.Manager(): a started SyncManager."""
    manager = SyncManager()
    manager.start()
    return manager


def install() -> None:
    """Route multiprocessing.Manager() here (recording process only)."""
    import multiprocessing.managers

    multiprocessing.managers.SyncManager = SyncManager  # type: ignore[misc,assignment]
    multiprocessing.managers.Namespace = Namespace  # type: ignore[misc,assignment]


__all__ = ["MANAGER_ROUND_TRIP", "BaseProxy", "Manager", "SyncManager", "install"]
