"""Provides `select`, `poll`, `epoll` and `selectors` over the simulated sockets, in virtual time.

A thread that waits for readiness blocks through the kernel like any other
wait (the frame says "waits for Socket#1 to be readable (select)"), and the
network wakes it when something arrives, a connection comes in, a connect is
answered or a send buffer drains. What counts as ready is Linux's rule
(`SimSocket.poll_events`); `select()` reads it as Linux's select does (HUP
and ERR make a socket readable, ERR writable). Timeouts run on the virtual
clock, so `socketserver`'s `serve_forever()` polls every half second of
virtual time and sees `shutdown()` as it would under CPython.

Every kind of selector (`SelectSelector`, `PollSelector`, `EpollSelector`,
`DefaultSelector`) is the one SimSelector here. File descriptors that are not
simulated sockets (a real pipe, a terminal) are handed to CPython's own
call, as before; a wait on both kinds at once cannot be simulated and says
so. As on Linux, a closed socket drops out of an epoll set (and of a
selector) and is never reported; `EPOLLET` reports only what changed since
the last report (an arrival, or readiness that was not there);
`EPOLLONESHOT` disarms the fd after one report, until `modify()`.

Why one module of this size: select(), poll, epoll and the selectors are one API family over
the same readiness model, and CPython's selectors module is one module too.
"""

from __future__ import annotations

import errno
import math
import select as _select
import selectors as _selectors
import sys
from collections.abc import Callable, Iterable
from typing import Any

from tui.engine.errors import UnsupportedInSimulation
from tui.engine.network.net import EPSILON, Network
from tui.engine.network.sockets import POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, SimSocket
from tui.engine.runtime import RUN
from tui.engine.threads.actors import Blocker
from tui.engine.threads.kernel import Kernel
from tui.engine.threads.primitives import name_as

READABLE = POLLIN | POLLHUP | POLLERR
"""The poll bits Linux's select() counts as readable..."""
WRITABLE = POLLOUT | POLLERR
"""...and as writable."""
ALWAYS_REPORTED = POLLERR | POLLHUP | POLLNVAL
"""poll() reports these whether or not they were asked for."""
EPOLL_ALWAYS = POLLERR | POLLHUP
"""epoll reports these unasked; a closed descriptor has left its set and is never reported."""
SHOWN_SOCKETS = 3
"""A wait on more sockets than this names the first few and counts the rest."""

REAL: dict[str, Any] = {
    "select": _select.select,
    "poll": getattr(_select, "poll", None),
    "epoll": getattr(_select, "epoll", None),
    "SelectSelector": _selectors.SelectSelector,
    "PollSelector": getattr(_selectors, "PollSelector", None),
    "EpollSelector": getattr(_selectors, "EpollSelector", None),
    "DefaultSelector": _selectors.DefaultSelector,
}
"""CPython's own functions and classes, for file descriptors that are not simulated sockets."""


def _network() -> Network:
    net = RUN.network
    assert net is not None, "simulated readiness exists only in the recording process"
    return net


def simulated(fd: int) -> SimSocket | None:
    """The simulated socket with descriptor `fd`, if it is one."""
    net = RUN.network
    return net.sockets.get(fd) if net is not None else None


def _fd_of(fileobj: Any) -> int:
    return _selectors._fileobj_to_fd(fileobj)  # type: ignore[attr-defined]


# -- waiting -------------------------------------------------------------------------------------


class ReadinessWait(Blocker):
    """A thread in select()/poll(): which sockets it waits for, for what."""

    __slots__ = ("call", "wanted")

    def __init__(self, wanted: list[tuple[SimSocket, int]], call: str) -> None:
        self.wanted = wanted
        self.call = call

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        def what(mask: int) -> str:
            kinds = [word for bit, word in ((POLLIN, "readable"), (POLLOUT, "writable")) if mask & bit]
            return " or ".join(kinds) or "ready"

        wanted = self.wanted
        if not wanted:
            return ("select", f"waits for ever ({self.call} on no descriptors)")
        if len(wanted) == 1:
            sock, mask = wanted[0]
            return (sock._label, f"waits for {sock._label} to be {what(mask)} ({self.call})")
        shown = ", ".join(f"{sock._label} {what(mask)}" for sock, mask in wanted[:SHOWN_SOCKETS])
        more = len(wanted) - SHOWN_SOCKETS
        if more > 0:
            shown += f" and {more} more"
        return (wanted[0][0]._label, f"waits for one of {len(wanted)} sockets ({shown}) ({self.call})")


def look(wanted: list[tuple[SimSocket, int]], always: int = ALWAYS_REPORTED) -> tuple[list[int], float]:
    """Each socket's reported events now, and when the soonest full send buffer asked about has room."""
    reported = []
    room_soonest = math.inf
    for sock, mask in wanted:
        events, room_at = sock.poll_events()
        reported.append(events & (mask | always))
        if room_at is not None and mask & POLLOUT:
            room_soonest = min(room_soonest, room_at)
    return reported, room_soonest


def wait_ready(
    wanted: list[tuple[SimSocket, int]],
    timeout: float | None,
    call: str,
    *,
    always: int = ALWAYS_REPORTED,
    screen: Callable[[list[int]], list[int]] | None = None,
) -> list[int]:
    """Block until a socket of `wanted` has an event it asks for, or `timeout` passes.

    Returns each socket's reported events (0 for one not ready): what was
    asked for, plus the `always` bits (poll()'s ERR, HUP and NVAL unless the
    caller says otherwise), passed through `screen` (epoll's edge-triggered
    registrations). A timeout of None waits for ever; 0 only looks.
    """
    net = _network()
    kernel = net.kernel
    deadline = None if timeout is None else net.now() + timeout
    while True:
        reported, room_soonest = look(wanted, always)
        if screen is not None:
            reported = screen(reported)
        if any(reported):
            return reported
        now = net.now()
        if deadline is not None and deadline <= now + EPSILON:
            return reported
        # A full send buffer drains with time, not with an event: wake then to look again.
        until = min(room_soonest, math.inf if deadline is None else deadline)
        me = kernel.current
        for sock, _mask in wanted:
            sock.add_watcher(me)
        try:
            kernel.block(ReadinessWait(wanted, call), None if until == math.inf else until)
        finally:
            for sock, _mask in wanted:
                sock.remove_watcher(me)


def _sorted_out(fds: Iterable[int], call: str) -> tuple[list[SimSocket | None], bool, bool]:
    """Each fd's simulated socket (None for a real descriptor); whether there are any of each kind."""
    socks = [simulated(fd) for fd in fds]
    some_simulated = any(sock is not None for sock in socks)
    some_real = any(sock is None for sock in socks)
    if some_simulated and some_real:
        raise UnsupportedInSimulation(
            f"{call} on simulated sockets and real file descriptors together",
            "wait on the sockets alone (the others are not part of the simulation)",
        )
    return socks, some_simulated, some_real


def _check_timeout(timeout: Any) -> float | None:
    """select()'s rules for its timeout: None, or a number not below 0."""
    if timeout is None:
        return None
    if not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a float or None")
    timeout = float(timeout)
    if math.isnan(timeout):
        raise ValueError("Invalid value NaN (not a number)")
    if timeout < 0:
        raise ValueError("timeout must be non-negative")
    return timeout


# -- select.select ---------------------------------------------------------------------------------


def select(rlist: Iterable[Any], wlist: Iterable[Any], xlist: Iterable[Any], timeout: Any = None) -> tuple:
    """select.select(): ready objects of each list, in the order given."""
    seconds = _check_timeout(timeout)
    lists = [list(rlist), list(wlist), list(xlist)]
    fds = [[_fd_of(obj) for obj in objs] for objs in lists]
    everything = fds[0] + fds[1] + fds[2]
    socks, some_simulated, some_real = _sorted_out(everything, "select()")
    if some_real:
        return REAL["select"](*lists, timeout)
    if not some_simulated:
        # select() on nothing is a sleep (for ever without a timeout).
        _sleep(seconds)
        return [], [], []
    closed = [fd for fd, sock in zip(everything, socks, strict=True) if sock is not None and sock._state == "closed"]
    if closed:
        raise OSError(errno.EBADF, "Bad file descriptor")
    # Only what select() counts ends the wait: READABLE for the read list, WRITABLE
    # for the write list. No out-of-band data here: the exception list never is.
    masks: dict[int, int] = {}
    for fd in fds[0]:
        masks[fd] = masks.get(fd, 0) | READABLE
    for fd in fds[1]:
        masks[fd] = masks.get(fd, 0) | WRITABLE
    order = list(masks)
    wanted = [(simulated(fd), masks[fd]) for fd in order]
    reported = dict(zip(order, wait_ready(wanted, seconds, "select", always=0), strict=True))  # type: ignore[arg-type]
    readable = [obj for obj, fd in zip(lists[0], fds[0], strict=True) if reported[fd] & READABLE]
    writable = [obj for obj, fd in zip(lists[1], fds[1], strict=True) if reported[fd] & WRITABLE]
    return readable, writable, []


def _sleep(seconds: float | None) -> None:
    kernel = _network().kernel
    if seconds is None:
        kernel.block(ReadinessWait([], "select"), None)
    else:
        kernel.sleep(seconds)


# -- select.poll and select.epoll ------------------------------------------------------------------


class _Registrations:
    """The fd -> event mask table poll and epoll objects keep, and one wait over it."""

    def __init__(self, call: str) -> None:
        self.masks: dict[int, int] = {}
        self.call = call
        self.edges: dict[int, tuple[int, int]] = {}
        """epoll, EPOLLET: fd -> (the socket's change count, its events) when last looked at."""

    def wait(self, seconds: float | None, maxevents: int = -1) -> list[tuple[int, int]]:
        fds = list(self.masks)
        socks, some_simulated, some_real = _sorted_out(fds, f"{self.call}.poll()")
        if some_real:
            return self._real_wait(seconds, maxevents)
        if not some_simulated:
            _sleep(seconds)
            return []
        epoll = self.call == "epoll"
        watched = []
        for fd, sock in zip(fds, socks, strict=True):
            mask = self.masks[fd]
            if sock is None or (epoll and (sock._state == "closed" or mask == _select.EPOLLONESHOT)):
                continue  # closed: gone from an epoll set; a disarmed one-shot reports nothing at all
            watched.append((fd, sock, mask))
        wanted = [(sock, mask) for _fd, sock, mask in watched]
        screen = self._edge_screen(watched) if epoll else None
        reported = wait_ready(
            wanted, seconds, self.call, always=EPOLL_ALWAYS if epoll else ALWAYS_REPORTED, screen=screen
        )
        ready = [(fd, events) for (fd, _sock, _mask), events in zip(watched, reported, strict=True) if events]
        if epoll:
            for fd, sock, _mask in watched:
                self.edges[fd] = (sock._changes, sock.poll_events()[0])
        return ready if maxevents < 0 else ready[:maxevents]

    def _edge_screen(self, watched: list[tuple[int, SimSocket, int]]) -> Callable[[list[int]], list[int]]:
        """Edge-triggered registrations report only what changed since they last reported."""

        def screen(reported: list[int]) -> list[int]:
            out = []
            for (fd, sock, mask), events in zip(watched, reported, strict=True):
                seen = self.edges.get(fd)
                if events and mask & _select.EPOLLET and seen is not None:
                    changes, before = seen
                    if changes == sock._changes:
                        events &= ~before  # no new arrival: only readiness that was not there before
                out.append(events)
            return out

        return screen

    def _real_wait(self, seconds: float | None, maxevents: int) -> list[tuple[int, int]]:
        real = REAL["epoll"]() if self.call == "epoll" else REAL["poll"]()
        try:
            for fd, mask in self.masks.items():
                real.register(fd, mask)
            if self.call == "epoll":
                return real.poll(-1 if seconds is None else seconds, maxevents)
            return real.poll(None if seconds is None else seconds * 1000)
        finally:
            if self.call == "epoll":
                real.close()


class SimPoll:
    """select.poll(), over simulated sockets."""

    def __init__(self) -> None:
        self._table = _Registrations("poll")

    def register(self, fd: Any, eventmask: int = _select.POLLIN | _select.POLLPRI | _select.POLLOUT) -> None:
        self._table.masks[_fd_of(fd)] = eventmask

    def modify(self, fd: Any, eventmask: int) -> None:
        key = _fd_of(fd)
        if key not in self._table.masks:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        self._table.masks[key] = eventmask

    def unregister(self, fd: Any) -> None:
        key = _fd_of(fd)
        if key not in self._table.masks:
            raise KeyError(key)
        del self._table.masks[key]

    def poll(self, timeout: Any = None) -> list[tuple[int, int]]:
        """`timeout` in milliseconds; None or negative waits for ever."""
        if timeout is not None:
            timeout = float(timeout)
        seconds = None if timeout is None or timeout < 0 else math.ceil(timeout) / 1000
        return self._table.wait(seconds)


class SimEpoll:
    """select.epoll(), over simulated sockets (EPOLLET reports changes only; EPOLLONESHOT disarms after one report)."""

    def __init__(self, sizehint: int = -1, flags: int = 0) -> None:
        self._table = _Registrations("epoll")
        self._closed = False
        self._fd = _network().new_fd()

    def _check(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed epoll object")

    def register(self, fd: Any, eventmask: int = _select.EPOLLIN | _select.EPOLLPRI | _select.EPOLLOUT) -> None:
        self._check()
        key = _fd_of(fd)
        if key in self._table.masks:
            raise FileExistsError(errno.EEXIST, "File exists")
        self._table.masks[key] = eventmask

    def modify(self, fd: Any, eventmask: int) -> None:
        self._check()
        key = _fd_of(fd)
        if key not in self._table.masks:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        self._table.masks[key] = eventmask
        self._table.edges.pop(key, None)  # re-armed: what is ready now counts as new

    def unregister(self, fd: Any) -> None:
        self._check()
        key = _fd_of(fd)
        if key not in self._table.masks:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        del self._table.masks[key]
        self._table.edges.pop(key, None)

    def poll(self, timeout: Any = None, maxevents: int = -1) -> list[tuple[int, int]]:
        """`timeout` in seconds; None or negative waits for ever."""
        self._check()
        if timeout is not None:
            timeout = float(timeout)
        if maxevents == 0 or maxevents < -1:
            raise ValueError(f"maxevents must be greater than 0, got {maxevents}")
        ready = self._table.wait(
            None if timeout is None or timeout < 0 else math.ceil(timeout * 1000) / 1000, maxevents
        )
        masks = self._table.masks
        for fd, _events in ready:
            if masks.get(fd, 0) & _select.EPOLLONESHOT:
                masks[fd] = _select.EPOLLONESHOT  # disarmed until modify(), as on Linux
        return ready

    def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def fileno(self) -> int:
        self._check()
        return self._fd

    @classmethod
    def fromfd(cls, fd: int) -> SimEpoll:
        raise UnsupportedInSimulation("select.epoll.fromfd()", "epoll objects here are not file descriptors")

    def __enter__(self) -> SimEpoll:
        self._check()
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


name_as(SimPoll, "select", "poll")
name_as(SimEpoll, "select", "epoll")


# -- selectors -------------------------------------------------------------------------------------


class SimSelector(_selectors._BaseSelectorImpl):  # type: ignore[name-defined,misc]
    """Every kind of selector here: registrations as CPython keeps them, a wait in virtual time."""

    _fd_to_key: dict[int, Any]
    _real_kind = "DefaultSelector"
    """The CPython class this one stands in for, used when only real descriptors are registered."""

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        keys = list(self._fd_to_key.values())
        socks, some_simulated, some_real = _sorted_out([key.fd for key in keys], f"{type(self).__name__}.select()")
        seconds = None if timeout is None else max(float(timeout), 0.0)
        if some_real:
            return self._real_select(keys, timeout)
        if not some_simulated:
            _sleep(seconds)
            return []
        # As an epoll set (the default selector): a closed socket has left it and is never reported.
        live = [
            (key, sock) for key, sock in zip(keys, socks, strict=True) if sock is not None and sock._state != "closed"
        ]
        wanted = [(sock, _poll_mask(key.events)) for key, sock in live]
        reported = wait_ready(wanted, seconds, "selector", always=EPOLL_ALWAYS)
        return _ready_keys([key for key, _sock in live], reported)

    def _real_select(self, keys: list[Any], timeout: float | None) -> list[tuple[Any, int]]:
        real = REAL[self._real_kind]()
        try:
            for key in keys:
                real.register(key.fileobj, key.events, key.data)
            return [(self._fd_to_key[key.fd], events) for key, events in real.select(timeout)]
        finally:
            real.close()


def _poll_mask(events: int) -> int:
    return (POLLIN if events & _selectors.EVENT_READ else 0) | (POLLOUT if events & _selectors.EVENT_WRITE else 0)


def _ready_keys(keys: list[Any], reported: list[int]) -> list[tuple[Any, int]]:
    """(key, events) for the keys with a wanted event, reading poll()'s bits as CPython's PollSelector does."""
    ready = []
    for key, events in zip(keys, reported, strict=True):
        # A closed descriptor drops out of an epoll set: it is never reported.
        events &= ~POLLNVAL
        got = (_selectors.EVENT_READ if events & ~POLLOUT else 0) | (_selectors.EVENT_WRITE if events & ~POLLIN else 0)
        if got & key.events:
            ready.append((key, got & key.events))
    return ready


class LoopSelector(SimSelector):
    """An event loop's selector: simulated sockets only, and it never blocks.

    The loop looks (`ready_now`) and, with nothing to do, idles in the kernel;
    a watched socket wakes it (SimSocket.watch_for_loop).
    """

    def __init__(self, loop: Any) -> None:
        super().__init__()
        self._loop = loop

    def register(self, fileobj: Any, events: int, data: Any = None) -> Any:
        key = super().register(fileobj, events, data)
        sock = simulated(key.fd)
        if sock is None:
            del self._fd_to_key[key.fd]
            raise UnsupportedInSimulation(
                f"an event loop watching file descriptor {key.fd}", "only simulated sockets can be watched here"
            )
        sock.watch_for_loop(self._loop, True)
        return key

    def unregister(self, fileobj: Any) -> Any:
        key = super().unregister(fileobj)
        sock = simulated(key.fd)
        if sock is not None:
            sock.watch_for_loop(self._loop, False)
        return key

    def ready_now(self) -> tuple[list[tuple[Any, int]], float | None]:
        """What is ready now, and when a full send buffer watched for writing has room (None: no such wait)."""
        live = [(key, sock) for key in self._fd_to_key.values() if (sock := simulated(key.fd)) is not None]
        live = [(key, sock) for key, sock in live if sock._state != "closed"]
        keys = [key for key, _sock in live]
        reported, room_soonest = look([(sock, _poll_mask(key.events)) for key, sock in live], EPOLL_ALWAYS)
        return _ready_keys(keys, reported), None if room_soonest == math.inf else room_soonest

    def close(self) -> None:
        for key in list(self._fd_to_key.values()):
            self.unregister(key.fileobj)
        super().close()


def _selector_kind(name: str) -> type:
    kind = type(name, (SimSelector,), {"_real_kind": name, "__doc__": SimSelector.__doc__})
    name_as(kind, "selectors", name)
    return kind


SELECTORS = {name: _selector_kind(name) for name in ("SelectSelector", "PollSelector", "EpollSelector")}
SELECTORS["DefaultSelector"] = SELECTORS["EpollSelector"]  # as on Linux


def install() -> None:
    """Route select, poll, epoll and the selectors to the simulated sockets (recording process only)."""
    _select.select = select
    _select.poll = SimPoll  # type: ignore[misc,assignment]
    _select.epoll = SimEpoll  # type: ignore[misc,assignment]
    for name, kind in SELECTORS.items():
        setattr(_selectors, name, kind)
    # Modules that picked their selector class when they were imported.
    socketserver = sys.modules.get("socketserver")
    if socketserver is not None:
        socketserver._ServerSelector = SELECTORS["PollSelector"]  # type: ignore[attr-defined]


__all__ = ["SELECTORS", "LoopSelector", "SimEpoll", "SimPoll", "SimSelector", "install", "look", "select", "wait_ready"]
