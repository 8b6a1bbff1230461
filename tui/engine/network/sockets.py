"""Provides blocking sockets for threads, over the simulated network of `tui.engine.network.net`.

In the recording process `socket.socket()` (TCP over IPv4 or IPv6),
`socket.create_connection()` and `socket.create_server()` make a SimSocket.
It has the methods of a real socket; what differs is what happens when a
thread must wait: `recv()`, `accept()`, `connect()` and a `sendall()` whose
data does not fit in the send buffer block the thread through the kernel
(the frame says "waits for data from 127.0.0.1:8888"), and the network wakes
it when the data, the connection or the answer arrives, in virtual time. A
timeout (`settimeout`, or `timeout=` of `create_connection`) raises
`TimeoutError: timed out` as a real socket does; `setblocking(False)` makes
waiting calls raise `BlockingIOError` instead.

The file descriptors are fake numbers (from 1000 up). `select`, `poll`,
`epoll` and `selectors` wait on them in virtual time (`tui.engine.network.select`,
with `poll_events()` here saying what is ready); `os` calls on them do not
work. `socketpair()` makes two connected ends that bypass the network.

Why one module of this size: it is the socket.socket API (one class, as CPython's socket module
has), with the module functions that make sockets.
"""

from __future__ import annotations

import socket as _socket
import sys
from types import FrameType
from typing import Any

from tui.engine.errors import UnsupportedInSimulation
from tui.engine.network.net import ANY, EADDRINUSE, EPSILON, KernelOwner, Listener, Network, Packet, Socket, reset, show
from tui.engine.runtime import RUN
from tui.engine.threads.actors import Blocker, SimThread
from tui.engine.threads.kernel import Kernel

SEND_BUFFER = 64 * 1024
"""Bytes a socket's send buffer holds: sendall() returns once the rest of its data fits in it."""
WRITABLE_BELOW = SEND_BUFFER // 2
"""poll() reports a socket writable while fewer unsent bytes than this are queued."""
LOCAL_BANDWIDTH = 1e10
"""Bytes per second between the two ends of a socketpair() (memory, not a network)."""
POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 0x1, 0x4, 0x8, 0x10, 0x20
"""Linux's poll() bits (epoll's are the same numbers)."""

EAGAIN, EINPROGRESS, EALREADY, EBADF, EINVAL, EPIPE, EISCONN, ENOTCONN = 11, 115, 114, 9, 22, 32, 106, 107

_real_makefile = _socket.socket.makefile
_PENDING = object()
_GAVE_UP = object()


def _network() -> Network:
    net = RUN.network
    assert net is not None, "simulated sockets exist only in the recording process"
    return net


class SocketWait(Blocker):
    """A thread blocked in a socket call: on which socket, waiting for what."""

    __slots__ = ("sock", "words")

    def __init__(self, sock: SimSocket, words: str) -> None:
        self.sock = sock
        self.words = words

    def describe(self, kernel: Kernel) -> tuple[str, str]:
        return (self.sock._label, self.words)


def _maker_frame() -> FrameType | None:
    """The first frame outside this engine and the socket module: who asked for the socket."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module != "socket" and not module.startswith("tui.engine."):
            return frame
        frame = frame.f_back
    return None


class SimSocket:
    """socket.socket, simulated: a TCP endpoint on the in-memory network."""

    _timeout: float | None

    def __init__(self, family: int = -1, type: int = -1, proto: int = -1, fileno: int | None = None) -> None:
        if fileno is not None:
            raise UnsupportedInSimulation("socket.socket(fileno=...)", "sockets here are not file descriptors")
        family = _socket.AF_INET if family == -1 else family
        type = _socket.SOCK_STREAM if type == -1 else type
        kind = type & ~(getattr(_socket, "SOCK_NONBLOCK", 0) | getattr(_socket, "SOCK_CLOEXEC", 0))
        if family not in (_socket.AF_INET, _socket.AF_INET6) or kind != _socket.SOCK_STREAM:
            raise UnsupportedInSimulation(
                f"socket.socket({_socket.AddressFamily(family).name}, {_socket.SocketKind(kind).name})",
                "only TCP sockets (AF_INET, SOCK_STREAM) are simulated",
            )
        self._setup(family, 0 if proto == -1 else proto)
        if type & getattr(_socket, "SOCK_NONBLOCK", 0):
            self._timeout = 0.0
        self._register(_maker_frame())

    def _setup(self, family: int, proto: int) -> None:
        net = _network()
        self._net = net
        self.family = _socket.AddressFamily(family)
        self.type = _socket.SocketKind.SOCK_STREAM
        self.proto = proto
        self._fd = net.new_fd()
        net.sockets[self._fd] = self
        self._timeout = _socket.getdefaulttimeout()
        self._state = "new"  # new | bound | listening | connecting | connected | closed
        self._local: tuple[str, int] | None = None
        self._remote: tuple[str, int] | None = None
        self._conn: Socket | None = None
        self._listener: Listener | None = None
        self._answer: Any = None
        self._rbuf = bytearray()
        self._eof = False
        self._reset = False
        self._shut_rd = False
        self._shut_wr = False
        self._waiting: list[SimThread] = []
        self._changes = 0
        """Counts arrivals and other wake-ups: what an edge-triggered epoll registration looks for."""
        self._loops: list[Any] = []
        """Event loops watching this socket (add_reader, sock_recv...): an idle one is woken at any change."""
        self._options: dict[tuple[int, int], Any] = {}
        self._io_refs = 0
        self._closed = False
        self._bound_by_user = False
        self._label = f"socket(fd {self._fd})"

    def _register(self, maker: FrameType | None) -> None:
        """A socket the program itself made becomes a resource (`Socket#1`) in the trace."""
        rec = self._net.kernel.recorder
        if rec is not None and maker is not None and rec.sites.is_user(maker.f_code):
            self._label = rec.resource_created(self, "Socket", maker, api="socket")

    def _changed(self) -> None:
        rec = self._net.kernel.recorder
        if rec is not None:
            rec.dirty(self)

    # -- waiting -----------------------------------------------------------------------------

    def _deadline(self) -> float | None:
        return None if self._timeout is None else self._net.now() + self._timeout

    def _wait(self, words: str, deadline: float | None) -> bool:
        """Block this thread until the network (or a close) wakes it; False at the deadline."""
        kernel = self._net.kernel
        me = kernel.current
        self._waiting.append(me)
        try:
            return kernel.block(SocketWait(self, words), deadline)
        finally:
            if me in self._waiting:
                self._waiting.remove(me)

    def _wake_all(self, by: str | None) -> None:
        self._changes += 1
        kernel = self._net.kernel
        for thread in list(self._waiting):
            kernel.wake(thread, by=by, via=self._label)
        for loop in self._loops:
            kernel.wakeup(loop)  # only if it sits idle: it looks at its sockets again

    def _check_open(self) -> None:
        if self._state == "closed":
            raise OSError(EBADF, "Bad file descriptor")

    # -- taking deliveries (called by the network) ------------------------------------------------

    def accepts(self) -> bool:
        return True

    def receive(self, packet: Packet) -> None:
        if self._state == "closed":
            return
        if packet.kind == "data":
            self._rbuf += packet.data
        elif packet.kind == "eof":
            self._eof = True
        else:
            self._reset = True
        self._changed()
        self._wake_all(packet.by)

    # -- connecting ------------------------------------------------------------------------------

    def bind(self, address: tuple[Any, ...]) -> None:
        self._check_open()
        if self._state != "new":
            raise OSError(EINVAL, "Invalid argument")
        net = self._net
        self._local = net.bind(net.host_of(address[0], server=True), net.port_of(address[1]), self)
        self._state = "bound"
        self._bound_by_user = True
        self._changed()

    def listen(self, backlog: int = 128) -> None:
        self._check_open()
        if self._state == "listening":
            return
        if self._state == "new":
            self.bind((ANY, 0))  # as Linux does: listen() on an unbound socket picks a port
        if self._state != "bound":
            raise OSError(EINVAL, "Invalid argument")
        assert self._local is not None
        listener = self._listener = Listener(self._net, self._local, KernelOwner(self._net.kernel))
        listener.on_arrival = self._connection_waits
        listener.listen()
        self._state = "listening"
        self._changed()

    def _connection_waits(self, server: Socket) -> None:
        """The network put a new connection in our backlog: wake a thread in accept()."""
        self._changed()
        self._wake_all(show(server.remote))

    def accept(self) -> tuple[SimSocket, tuple[str, int]]:
        self._check_open()
        listener = self._listener
        if self._state != "listening" or listener is None:
            raise OSError(EINVAL, "Invalid argument")
        deadline = self._deadline()
        assert self._local is not None
        while not listener.backlog:
            if self._timeout == 0:
                raise BlockingIOError(EAGAIN, "Resource temporarily unavailable")
            if not self._wait(f"waits for a connection on {show(self._local)}", deadline):
                raise TimeoutError("timed out")
            self._check_open()
        conn = listener.backlog.popleft()
        sock = SimSocket.__new__(SimSocket)
        sock._setup(self.family, self.proto)
        sock._register(_maker_frame())
        sock._local, sock._remote, sock._conn = conn.local, conn.remote, conn
        sock._state = "connected"
        conn.consumer = sock
        conn.pump()
        self._changed()
        sock._changed()
        return sock, conn.remote

    def connect(self, address: tuple[Any, ...]) -> None:
        self._check_open()
        if self._state == "connected":
            raise OSError(EISCONN, "Transport endpoint is already connected")
        if self._state == "listening":
            raise OSError(EINVAL, "Invalid argument")
        if self._state == "connecting":
            if self._answer is _PENDING:
                raise BlockingIOError(EALREADY, "Operation already in progress")
            self._connected()
            return
        net = self._net
        local = self._local if self._state == "bound" else None
        self._answer = _PENDING

        def on_handshake(error: BaseException | None) -> None:
            if self._answer is not _PENDING:  # the caller gave up, or closed the socket
                if error is None:
                    conn.send("reset")
                    conn.release()
                return
            self._answer = error
            if error is None:
                # Connected when the answer is back, as the kernel does: a
                # non-blocking caller finds it writable and simply uses it.
                self._connected()
            self._wake_all(show(conn.remote))

        conn = net.connect(KernelOwner(net.kernel), address[0], address[1], on_handshake, bound=local)
        self._conn, self._local, self._remote = conn, conn.local, conn.remote
        self._state = "connecting"
        if self._timeout == 0:
            raise BlockingIOError(EINPROGRESS, "Operation now in progress")
        deadline = self._deadline()
        while self._answer is _PENDING:
            if not self._wait(f"waits to connect to {show(conn.remote)}", deadline) and self._answer is _PENDING:
                self._answer = _GAVE_UP
                self._forget_connection()
                raise TimeoutError("timed out")
            self._check_open()
        self._connected()

    def _connected(self) -> None:
        if self._state == "connected":
            return  # the answer already made it so (on_handshake)
        error = self._answer
        conn = self._conn
        assert conn is not None
        if error is not None:
            self._forget_connection()
            raise error
        self._state = "connected"
        conn.consumer = self
        conn.pump()
        self._changed()

    def _forget_connection(self) -> None:
        """A connect that failed or was given up: the socket is as it was before connect()."""
        self._conn, self._remote = None, None
        if self._bound_by_user:
            self._state = "bound"
        else:
            self._state, self._local = "new", None
        self._changed()

    def connect_ex(self, address: tuple[Any, ...]) -> int:
        try:
            self.connect(address)
        except TimeoutError:
            return EAGAIN
        except _socket.gaierror:
            raise
        except OSError as exc:
            return exc.errno or EINVAL
        return 0

    # -- data --------------------------------------------------------------------------------------

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._check_open()
        if bufsize < 0:
            raise ValueError("negative buffersize in recv")
        deadline: float | None = None
        first = True
        while True:
            if self._conn is not None and self._state == "connected":
                self._conn.pump()  # whatever has arrived by now is in the buffer
            if self._rbuf:
                data = bytes(self._rbuf[:bufsize])
                if not flags & _socket.MSG_PEEK:
                    del self._rbuf[:bufsize]
                    self._changed()
                return data
            if bufsize == 0:
                return b""
            if self._reset:
                self._reset = False
                self._eof = True
                raise reset()
            if self._eof or self._shut_rd:
                return b""
            if self._state != "connected":
                raise OSError(ENOTCONN, "Transport endpoint is not connected")
            if self._timeout == 0:
                raise BlockingIOError(EAGAIN, "Resource temporarily unavailable")
            if first:
                deadline, first = self._deadline(), False
            assert self._remote is not None
            if not self._wait(f"waits for data from {show(self._remote)}", deadline):
                raise TimeoutError("timed out")
            self._check_open()

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        view = memoryview(buffer).cast("B")
        data = self.recv(nbytes or len(view), flags)
        view[: len(data)] = data
        return len(data)

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, tuple[str, int] | None]:
        return self.recv(bufsize, flags), self._remote

    def send(self, data: Any, flags: int = 0) -> int:
        """Queue `data` on the connection; block while the send buffer is over full."""
        self._check_open()
        payload = memoryview(data).tobytes()
        if self._reset:
            raise reset()
        if self._shut_wr or self._state != "connected" or self._conn is None:
            raise BrokenPipeError(EPIPE, "Broken pipe")
        if not payload:
            return 0
        conn = self._conn
        if self._timeout == 0:
            # Non-blocking: the send buffer takes what fits, and nothing when it is full.
            room = SEND_BUFFER - conn.unsent()
            if room <= 0:
                raise BlockingIOError(EAGAIN, "Resource temporarily unavailable")
            conn.send("data", payload[:room])
            return min(room, len(payload))
        conn.send("data", payload)
        deadline = self._deadline()
        while True:
            now = self._net.now()
            ready_at = self._room_at(conn)
            if ready_at <= now + EPSILON:
                return len(payload)
            if deadline is not None and deadline <= now + EPSILON:
                raise TimeoutError("timed out")
            until = ready_at if deadline is None else min(ready_at, deadline)
            assert self._remote is not None
            self._wait(f"waits to send: {conn.unsent()} bytes queued for {show(self._remote)}", until)
            self._check_open()

    def sendall(self, data: Any, flags: int = 0) -> None:
        if self._timeout != 0:
            self.send(data, flags)  # blocking: it waits until the rest fits in the buffer
            return
        # Non-blocking: what fits is sent, and then, as CPython's sendall, EAGAIN if anything is left.
        payload = memoryview(data).cast("B")
        sent = self.send(payload, flags) if len(payload) else 0
        if sent < len(payload):
            raise BlockingIOError(EAGAIN, "Resource temporarily unavailable")

    def shutdown(self, how: int) -> None:
        self._check_open()
        if self._state != "connected" or self._conn is None:
            raise OSError(ENOTCONN, "Transport endpoint is not connected")
        if how not in (_socket.SHUT_RD, _socket.SHUT_WR, _socket.SHUT_RDWR):
            raise OSError(EINVAL, "Invalid argument")
        if how != _socket.SHUT_WR:
            self._shut_rd = True
            self._wake_all(None)
        if how != _socket.SHUT_RD and not self._shut_wr:
            self._shut_wr = True
            self._conn.send("eof")
        self._changed()

    # -- closing -----------------------------------------------------------------------------------

    def close(self) -> None:
        self._closed = True
        if self._io_refs <= 0:
            self._real_close()

    def _decref_socketios(self) -> None:
        if self._io_refs > 0:
            self._io_refs -= 1
        if self._closed:
            self.close()

    def _real_close(self) -> None:
        state = self._state
        if state == "closed":
            return
        conn = self._conn
        if state == "connected" and conn is not None:
            if not self._shut_wr:
                conn.send("eof")
            conn.release()
        elif state == "connecting":
            self._answer = _GAVE_UP
        elif state == "listening" and self._listener is not None:
            self._listener.close()
        if self._local is not None:
            self._net.unbind(self._local, self)
        self._state = "closed"
        self._wake_all(None)  # a thread still blocked on it gets EBADF
        self._changed()

    def detach(self) -> int:
        raise UnsupportedInSimulation("socket.detach()", "sockets here are not file descriptors")

    def dup(self) -> SimSocket:
        raise UnsupportedInSimulation("socket.dup()", "sockets here are not file descriptors")

    makefile = _real_makefile

    def __enter__(self) -> SimSocket:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    # -- readiness (select, poll, selectors, the loop's add_reader) --------------------------------

    def _room_at(self, conn: Socket, room: int = SEND_BUFFER) -> float:
        """When at most `room` bytes are still unsent (a blocking send returns once its rest fits)."""
        return conn.wire_free_at - room / conn.bandwidth

    def poll_events(self) -> tuple[int, float | None]:
        """What Linux's poll() reports for this socket now, and when a full send buffer has room.

        The bits follow tcp_poll(): a listening socket is readable with a
        connection in its backlog; a connected one is readable with data, an end
        of file or a reset, and writable while its send buffer has room; a socket
        never connected is HUP and writable (select() counts it readable too),
        one whose connect() failed ERR and HUP; connecting, it is neither.
        """
        state = self._state
        if state == "closed":
            return POLLNVAL, None
        if state == "listening":
            return (POLLIN if self._listener is not None and self._listener.backlog else 0), None
        if state == "connecting":
            return (0 if self._answer is _PENDING else POLLOUT | POLLERR | POLLHUP), None
        conn = self._conn
        if state != "connected" or conn is None:
            return POLLOUT | POLLHUP, None
        conn.pump()  # whatever has arrived by now is in the buffer
        mask = POLLIN if self._rbuf or self._eof or self._reset or self._shut_rd else 0
        if self._reset:
            return mask | POLLOUT | POLLERR | POLLHUP, None
        if (self._eof or self._shut_rd) and self._shut_wr:
            mask |= POLLHUP  # shut down both ways (the peer's end of file, or our own SHUT_RD)
        # Writable again only once the buffer is half empty, not at the first free byte
        # (Linux wakes writers at a low-water mark too): a writer woken then makes progress.
        room_at = self._room_at(conn, WRITABLE_BELOW)
        if self._shut_wr or room_at <= self._net.now() + EPSILON:
            return mask | POLLOUT, None
        return mask, room_at

    def add_watcher(self, thread: SimThread) -> None:
        """`thread` waits for this socket among others (select()): wake it at any change."""
        self._waiting.append(thread)

    def remove_watcher(self, thread: SimThread) -> None:
        if thread in self._waiting:
            self._waiting.remove(thread)

    def watch_for_loop(self, loop: Any, watching: bool) -> None:
        """An event loop starts (or stops) watching this socket through its selector."""
        if watching and loop not in self._loops:
            self._loops.append(loop)
        elif not watching and loop in self._loops:
            self._loops.remove(loop)

    # -- options and addresses ---------------------------------------------------------------------

    def settimeout(self, value: float | None) -> None:
        if value is not None:
            value = float(value)
            if value < 0:
                raise ValueError("Timeout value out of range")
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self._timeout = None if flag else 0.0

    def getblocking(self) -> bool:
        return self._timeout != 0.0

    def setsockopt(self, level: int, option: int, value: Any, optlen: int | None = None) -> None:
        """Accepted and remembered; no option changes how the simulated network behaves."""
        self._options[(level, option)] = value

    def getsockopt(self, level: int, option: int, buflen: int | None = None) -> Any:
        if (level, option) == (_socket.SOL_SOCKET, _socket.SO_ERROR):
            error = self._answer
            return error.errno if isinstance(error, OSError) and error.errno else 0
        return self._options.get((level, option), 0)

    def getsockname(self) -> Any:
        self._check_open()
        if self.family == _socket.AF_UNIX:
            return ""  # an unnamed socketpair() end
        return self._local if self._local is not None else (ANY, 0)

    def getpeername(self) -> Any:
        self._check_open()
        if self._state != "connected" or self._remote is None:
            raise OSError(ENOTCONN, "Transport endpoint is not connected")
        return "" if self.family == _socket.AF_UNIX else self._remote

    def fileno(self) -> int:
        return -1 if self._state == "closed" else self._fd

    @property
    def timeout(self) -> float | None:
        return self._timeout

    def __deepcopy__(self, memo: dict[int, Any]) -> SimSocket:
        return self  # a forked process shares its parent's sockets

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(f"cannot pickle {type(self).__qualname__!r} object")

    def __repr__(self) -> str:
        closed = self._state == "closed"
        text = f"<socket.socket{' [closed]' if closed else ''} fd={self.fileno()}, family={self.family}, "
        text += f"type={self.type}, proto={self.proto}"
        named = self.family != _socket.AF_UNIX  # socketpair() ends have no address (CPython omits it)
        if not closed and named and self._local is not None:
            text += f", laddr={self._local}"
        if not closed and named and self._remote is not None and self._state == "connected":
            text += f", raddr={self._remote}"
        return text + ">"


def socket_state(sock: SimSocket) -> dict[str, Any]:
    """A socket resource's state in a frame: where it is, and what waits in it."""
    state: dict[str, Any] = {"state": sock._state}
    if sock._local is not None:
        state["local"] = show(sock._local)
    if sock._remote is not None and sock._state in ("connecting", "connected"):
        state["peer"] = show(sock._remote)
    if sock._rbuf:
        state["buffered"] = len(sock._rbuf)
    if sock._eof and sock._state == "connected":
        state["eof"] = True
    if sock._listener is not None and sock._state == "listening":
        state["backlog"] = len(sock._listener.backlog)
    return state


# -- the socket module's functions --------------------------------------------------------------


def create_connection(
    address: tuple[Any, Any],
    timeout: Any = _socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
    source_address: tuple[Any, Any] | None = None,
    *,
    all_errors: bool = False,
) -> SimSocket:
    sock = SimSocket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        if timeout is not _socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
            sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


def create_server(
    address: tuple[Any, Any],
    *,
    family: int = _socket.AF_INET,
    backlog: int | None = None,
    reuse_port: bool = False,
    dualstack_ipv6: bool = False,
) -> SimSocket:
    sock = SimSocket(family, _socket.SOCK_STREAM)
    try:
        try:
            sock.bind(address)
        except OSError as exc:
            message = f"{exc.strerror} (while attempting to bind on address {address!r})"
            raise OSError(exc.errno, message) from None
        sock.listen(128 if backlog is None else backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def socketpair(
    family: int | None = None, type: int = _socket.SOCK_STREAM, proto: int = 0
) -> tuple[SimSocket, SimSocket]:
    """Two connected ends with no address, as the kernel makes them: nothing crosses the network.

    A local pair has no latency and moves data at LOCAL_BANDWIDTH; each end
    behaves as a connected SimSocket in every other way.
    """
    family = _socket.AF_UNIX if family is None else family
    kind = type & ~(getattr(_socket, "SOCK_NONBLOCK", 0) | getattr(_socket, "SOCK_CLOEXEC", 0))
    if family != _socket.AF_UNIX or kind != _socket.SOCK_STREAM:
        raise UnsupportedInSimulation(
            "socket.socketpair() of this family or type", "only AF_UNIX stream pairs (the default) are simulated"
        )
    net = _network()
    maker = _maker_frame()
    pair = [SimSocket.__new__(SimSocket), SimSocket.__new__(SimSocket)]
    for sock in pair:
        sock._setup(family, proto)
        if type & getattr(_socket, "SOCK_NONBLOCK", 0):
            sock._timeout = 0.0
    owner = KernelOwner(net.kernel)
    ends = [
        Socket(net, ("socketpair", me._fd), ("socketpair", other._fd), owner, latency=0.0, bandwidth=LOCAL_BANDWIDTH)
        for me, other in (pair, pair[::-1])
    ]
    ends[0].peer, ends[1].peer = ends[1], ends[0]
    for sock, end in zip(pair, ends, strict=True):
        end.released = True  # no port is bound for it
        sock._local, sock._remote, sock._conn, sock._state = end.local, end.remote, end, "connected"
        end.consumer = sock
        sock._register(maker)
    return pair[0], pair[1]


def gethostbyname(name: str) -> str:
    return ANY if name in ("", ANY) else _network().host_of(name, server=False)


def gethostbyname_ex(name: str) -> tuple[str, list[str], list[str]]:
    return (name, [], [gethostbyname(name)])


def gethostbyaddr(address: str) -> tuple[str, list[str], list[str]]:
    host = gethostbyname(address)
    return ("localhost" if host == "127.0.0.1" else address, [], [host])


def getnameinfo(sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
    return (str(sockaddr[0]), str(sockaddr[1]))


def getfqdn(name: str = "") -> str:
    return name or "localhost"


def gethostname() -> str:
    return "localhost"


SIMULATED: dict[str, Any] = {
    "socket": SimSocket,
    "create_connection": create_connection,
    "create_server": create_server,
    "socketpair": socketpair,
    "gethostbyname": gethostbyname,
    "gethostbyname_ex": gethostbyname_ex,
    "gethostbyaddr": gethostbyaddr,
    "getnameinfo": getnameinfo,
    "getfqdn": getfqdn,
    "gethostname": gethostname,
}


def install(net: Network) -> None:
    """Route the socket module's TCP calls to the simulated network (recording process only)."""
    for name, value in SIMULATED.items():
        setattr(_socket, name, value)
    _socket.getaddrinfo = net.getaddrinfo  # type: ignore[assignment]


__all__ = ["EADDRINUSE", "SimSocket", "SocketWait", "create_connection", "create_server", "install", "socketpair"]
