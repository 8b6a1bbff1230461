"""Provides an event loop's readiness calls on simulated sockets: add_reader/add_writer and the sock_* coroutines.

CPython's own code does the work: the methods are BaseSelectorEventLoop's,
borrowed rather than copied, so they behave as the running version's do. What
they stand on is a LoopSelector (`tui.engine.network.select`) that reports which
simulated sockets are ready instead of asking the OS; SimEventLoop._run_once
looks at it where CPython calls `select()`, and a loop idling with sockets
watched is woken by them. Outside the recording (no simulated network) the
calls say they are not simulated, as before.
"""

from __future__ import annotations

import selectors
import weakref
from asyncio import selector_events
from typing import Any

from tui.engine.errors import UnsupportedInSimulation

_CPYTHON: Any = selector_events.BaseSelectorEventLoop

_REAL_SOCKETS_HINT = "real sockets, pipes, signals and subprocesses are outside virtual time"


class SocketReadiness:
    """Mixin for SimEventLoop: readiness of simulated sockets, with CPython's selector-loop code."""

    _selector: Any = None
    """The LoopSelector, in a loop of the recording; None elsewhere."""

    def _watch_sockets(self, loop_selector: Any) -> None:
        self._selector = loop_selector
        self._transports: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        self._io_queued: dict[int, Any] = {}
        """id(reader or writer handle) -> the recorded copy of it queued in this iteration."""

    def _needs_network(self, what: str) -> None:
        if self._selector is None:
            raise UnsupportedInSimulation(what, _REAL_SOCKETS_HINT)

    # CPython's own code (each version's), standing on the LoopSelector.
    _ensure_fd_no_transport = _CPYTHON._ensure_fd_no_transport
    _sock_read_done = _CPYTHON._sock_read_done
    _sock_write_done = _CPYTHON._sock_write_done
    _sock_recv = _CPYTHON._sock_recv
    _sock_recv_into = _CPYTHON._sock_recv_into
    _sock_sendall = _CPYTHON._sock_sendall
    _sock_connect = _CPYTHON._sock_connect
    _sock_connect_cb = _CPYTHON._sock_connect_cb
    _sock_accept = _CPYTHON._sock_accept

    # A reader or writer handle stays registered and is queued each time its
    # socket is ready. In a recording it is queued as a recorded copy (so its
    # step is a frame of its own); whatever cancels the handle (a removal, a
    # replacement) cancels the copy still waiting in the ready queue too.

    def _process_events(self, event_list: list[tuple[Any, int]]) -> None:
        """BaseSelectorEventLoop._process_events, queueing through _queue_io."""
        self._io_queued.clear()  # the previous iteration ran every copy it queued
        for key, mask in event_list:
            fileobj, (reader, writer) = key.fileobj, key.data
            if mask & selectors.EVENT_READ and reader is not None:
                if reader._cancelled:
                    self._remove_reader(fileobj)
                else:
                    self._queue_io(reader)
            if mask & selectors.EVENT_WRITE and writer is not None:
                if writer._cancelled:
                    self._remove_writer(fileobj)
                else:
                    self._queue_io(writer)

    def _queue_io(self, handle: Any) -> None:
        if self._rec is None:  # type: ignore[attr-defined]
            self._add_callback(handle)  # type: ignore[attr-defined]
            return
        copy = self._call_soon(handle._callback, handle._args, handle._context)  # type: ignore[attr-defined]
        self._io_queued[id(handle)] = copy

    def _handles_of(self, fd: Any) -> tuple[Any, Any]:
        key = None if self.is_closed() else self._selector.get_map().get(fd)  # type: ignore[attr-defined]
        return (None, None) if key is None else key.data

    def _forget(self, handle: Any) -> None:
        copy = self._io_queued.pop(id(handle), None) if handle is not None else None
        if copy is not None:
            copy.cancel()

    def _add_reader(self, fd: Any, callback: Any, *args: Any) -> Any:
        self._needs_network("loop.add_reader() (file descriptor readiness)")
        old, _ = self._handles_of(fd)
        handle = _CPYTHON._add_reader(self, fd, callback, *args)
        self._forget(old)
        return handle

    def _add_writer(self, fd: Any, callback: Any, *args: Any) -> Any:
        self._needs_network("loop.add_writer() (file descriptor readiness)")
        _, old = self._handles_of(fd)
        handle = _CPYTHON._add_writer(self, fd, callback, *args)
        self._forget(old)
        return handle

    def _remove_reader(self, fd: Any) -> bool:
        old, _ = self._handles_of(fd)
        removed = _CPYTHON._remove_reader(self, fd)
        self._forget(old)
        return removed

    def _remove_writer(self, fd: Any) -> bool:
        _, old = self._handles_of(fd)
        removed = _CPYTHON._remove_writer(self, fd)
        self._forget(old)
        return removed

    def add_reader(self, fd: Any, callback: Any, *args: Any) -> Any:
        self._needs_network("loop.add_reader() (file descriptor readiness)")
        return _CPYTHON.add_reader(self, fd, callback, *args)

    def remove_reader(self, fd: Any) -> bool:
        self._needs_network("loop.remove_reader() (file descriptor readiness)")
        return _CPYTHON.remove_reader(self, fd)

    def add_writer(self, fd: Any, callback: Any, *args: Any) -> Any:
        self._needs_network("loop.add_writer() (file descriptor readiness)")
        return _CPYTHON.add_writer(self, fd, callback, *args)

    def remove_writer(self, fd: Any) -> bool:
        self._needs_network("loop.remove_writer() (file descriptor readiness)")
        return _CPYTHON.remove_writer(self, fd)

    async def sock_recv(self, sock: Any, n: int) -> bytes:
        self._needs_network("loop.sock_recv() (real sockets)")
        return await _CPYTHON.sock_recv(self, sock, n)

    async def sock_recv_into(self, sock: Any, buf: Any) -> int:
        self._needs_network("loop.sock_recv_into() (real sockets)")
        return await _CPYTHON.sock_recv_into(self, sock, buf)

    async def sock_sendall(self, sock: Any, data: Any) -> None:
        self._needs_network("loop.sock_sendall() (real sockets)")
        return await _CPYTHON.sock_sendall(self, sock, data)

    async def sock_connect(self, sock: Any, address: Any) -> None:
        self._needs_network("loop.sock_connect() (real sockets)")
        return await _CPYTHON.sock_connect(self, sock, address)

    async def sock_accept(self, sock: Any) -> tuple[Any, Any]:
        self._needs_network("loop.sock_accept() (real sockets)")
        return await _CPYTHON.sock_accept(self, sock)

    def _look_at_sockets(self) -> tuple[list[tuple[Any, int]], float | None]:
        """What CPython's select() would return now, and when a full send buffer it waits on has room."""
        selector = self._selector
        if selector is None or not selector._fd_to_key:
            return [], None
        return selector.ready_now()  # type: ignore[no-any-return]

    def _stop_watching(self) -> None:
        if self._selector is not None:
            self._selector.close()


__all__ = ["SocketReadiness"]
