"""Provides asyncio's side of the simulated network: transports, servers, create_connection.

`SimEventLoop.create_connection()` and `create_server()` (and so
`asyncio.open_connection()` and `asyncio.start_server()`) come here when the
loop runs in the recording process. The transports are real
`asyncio.Transport`s, so asyncio's own StreamReaderProtocol, StreamReader
and StreamWriter work on top of them unchanged. The model they sit on (what
a connection costs, how deliveries arrive) is described in
`tui.engine.network.net`.

Why one module of this size: it is asyncio's transport and server API (create_connection,
create_server, the transport and server objects), which work only together.
"""

from __future__ import annotations

import socket as _socket
from asyncio import base_events, transports
from collections.abc import Callable
from typing import Any

from tui.engine import cpython
from tui.engine.errors import UnsupportedInSimulation
from tui.engine.network.net import Listener, LoopOwner, Packet, Socket, network, reset, show
from tui.engine.runtime import RUN


class ServerSocket:
    """What `Server.sockets` holds: enough of a socket to ask where it listens."""

    family = _socket.AF_INET
    type = _socket.SOCK_STREAM
    proto = _socket.IPPROTO_TCP

    def __init__(self, listener: Listener, fd: int) -> None:
        self.listener = listener
        self._fd = fd

    def fileno(self) -> int:
        return self._fd

    def getsockname(self) -> tuple[str, int]:
        return self.listener.address

    def getpeername(self) -> tuple[str, int]:
        raise OSError(107, "Transport endpoint is not connected")

    def listen(self, backlog: int = 0) -> None:
        self.listener.listen()

    def close(self) -> None:
        self.listener.close()

    def __deepcopy__(self, memo: dict[int, Any]) -> ServerSocket:
        return self


class _SimTransport(transports.Transport):
    """asyncio's socket transport, over a simulated connection.

    It behaves like CPython's selector transport: `connection_made` and the
    waiter come from the loop, writes never block, the write buffer (what is
    not on the wire yet) pauses and resumes the protocol at its high and low
    water marks, `close()` sends end-of-file after the data and calls
    `connection_lost` soon, `abort()` resets the connection.
    """

    def __init__(self, loop: Any, sock: Socket, protocol: Any, waiter: Any = None, server: Any = None) -> None:
        super().__init__(extra={"peername": sock.remote, "sockname": sock.local, "socket": _TransportSocketView(sock)})
        self._number = RUN.number("transport")
        self._loop = loop
        self._sock = sock
        self._protocol = protocol
        self._server = server
        self._closing = False
        self._reading = False
        self._paused = False
        self._eof = False
        self._conn_lost = 0
        self._protocol_connected = False
        self._protocol_paused = False
        self._resume_armed = False
        self._high_water = 64 * 1024
        self._low_water = 16 * 1024
        if server is not None:
            cpython.running.server_attach(server, self)
        sock.consumer = self
        loop.call_soon(self.connection_made, waiter)

    def __hash__(self) -> int:
        # Creation order, not address: a Server keeps its transports in a WeakSet
        # (3.13) and close_clients() walks it in set order.
        return self._number

    def connection_made(self, waiter: Any) -> None:
        """The loop tells the protocol (as CPython's transport does), then reads what has arrived."""
        self._protocol_connected = True
        self._protocol.connection_made(self)
        if not self._closing:
            self._reading = True
        if waiter is not None and not waiter.cancelled():
            waiter.set_result(None)
        self._sock.pump()

    # -- receiving ---------------------------------------------------------------------

    def accepts(self) -> bool:
        return self._reading and not self._paused and not self._closing

    def receive(self, packet: Packet) -> None:
        try:
            if packet.kind == "data":
                self._protocol.data_received(packet.data)
            elif packet.kind == "eof":
                if not self._protocol.eof_received():
                    self.close()
                else:
                    self._reading = False  # nothing more will come
            else:
                self._force_close(reset())
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._fatal_error(
                exc, f"Fatal error: protocol.{'data' if packet.kind == 'data' else 'eof'}_received() call failed."
            )

    def pause_reading(self) -> None:
        if not self.is_reading():
            return
        self._paused = True

    def resume_reading(self) -> None:
        if self._closing or not self._paused:
            return
        self._paused = False
        self._loop.call_soon(self._sock.pump)

    def is_reading(self) -> bool:
        return not self._paused and not self._closing

    # -- sending -----------------------------------------------------------------------

    def write(self, data: Any) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be a bytes-like object, not {type(data).__name__!r}")
        if self._eof:
            raise RuntimeError("Cannot call write() after write_eof()")
        if not data:
            return
        if self._conn_lost:
            self._conn_lost += 1
            return
        self._sock.send("data", bytes(data))
        self._maybe_pause_protocol()

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def write_eof(self) -> None:
        if self._closing or self._eof:
            return
        self._eof = True
        self._sock.send("eof")

    def can_write_eof(self) -> bool:
        return True

    def get_write_buffer_size(self) -> int:
        return 0 if self._conn_lost else self._sock.unsent()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (self._low_water, self._high_water)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        if high is None:
            high = 64 * 1024 if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        self._high_water, self._low_water = high, low
        self._maybe_pause_protocol()

    def _maybe_pause_protocol(self) -> None:
        size = self.get_write_buffer_size()
        if size <= self._high_water or self._protocol_paused:
            return
        self._protocol_paused = True
        try:
            self._protocol.pause_writing()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._loop.call_exception_handler(
                {
                    "message": "protocol.pause_writing() failed",
                    "exception": exc,
                    "transport": self,
                    "protocol": self._protocol,
                }
            )
        self._arm_resume()

    def _arm_resume(self) -> None:
        """A timer for when the wire has sent all but the low-water mark."""
        if self._resume_armed:
            return
        self._resume_armed = True
        when = self._sock.wire_free_at - self._low_water / self._sock.bandwidth
        self._loop.call_at(max(when, self._loop.time()), self.buffer_drained)

    def buffer_drained(self) -> None:
        self._resume_armed = False
        if not self._protocol_paused:
            return
        if self.get_write_buffer_size() > self._low_water and not self._conn_lost:
            self._arm_resume()
            return
        self._protocol_paused = False
        try:
            self._protocol.resume_writing()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            self._loop.call_exception_handler(
                {
                    "message": "protocol.resume_writing() failed",
                    "exception": exc,
                    "transport": self,
                    "protocol": self._protocol,
                }
            )

    # -- closing -----------------------------------------------------------------------

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._reading = False
        if not self._eof:
            self._eof = True
            self._sock.send("eof")
        self._conn_lost += 1
        self._loop.call_soon(self._call_connection_lost, None)

    def abort(self) -> None:
        self._force_close(None)

    def _fatal_error(self, exc: BaseException, message: str) -> None:
        if not isinstance(exc, OSError):
            self._loop.call_exception_handler(
                {"message": message, "exception": exc, "transport": self, "protocol": self._protocol}
            )
        self._force_close(exc)

    def _force_close(self, exc: BaseException | None) -> None:
        if self._conn_lost:
            return
        if not isinstance(exc, ConnectionResetError):
            self._sock.send("reset")  # a reset that reached us needs no answer
        self._closing = True
        self._reading = False
        self._eof = True
        self._conn_lost += 1
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc: BaseException | None) -> None:
        try:
            if self._protocol_connected:
                self._protocol.connection_lost(exc)
        finally:
            self._sock.release()
            server = self._server
            if server is not None:
                cpython.running.server_detach(server, self)
                self._server = None

    # -- the rest of the Transport API -----------------------------------------------------

    def set_protocol(self, protocol: Any) -> None:
        self._protocol = protocol

    def get_protocol(self) -> Any:
        return self._protocol

    def __deepcopy__(self, memo: dict[int, Any]) -> _SimTransport:
        return self

    def __repr__(self) -> str:
        state = "closing" if self._closing else "open"
        return f"<_SimTransport {state} {show(self._sock.local)} -> {show(self._sock.remote)}>"


class _TransportSocketView:
    """`transport.get_extra_info("socket")`: where the connection goes, as a socket would say."""

    family = _socket.AF_INET
    type = _socket.SOCK_STREAM
    proto = _socket.IPPROTO_TCP

    def __init__(self, sock: Socket) -> None:
        self._sock = sock
        self._fd = sock.net.new_fd()

    def fileno(self) -> int:
        return self._fd

    def getsockname(self) -> tuple[str, int]:
        return self._sock.local

    def getpeername(self) -> tuple[str, int]:
        return self._sock.remote

    def setsockopt(self, *args: Any) -> None:
        """Accepted and ignored (TCP_NODELAY and friends change nothing here)."""

    def getsockopt(self, *args: Any) -> int:
        return 0


class SimServer(base_events.Server):
    """asyncio's Server (serve_forever, wait_closed, `async with`), listening on the simulated network."""

    def _start_serving(self) -> None:
        if self._serving:
            return
        self._serving = True
        for sock in self._sockets:
            sock.listen(self._backlog)

    def __deepcopy__(self, memo: dict[int, Any]) -> SimServer:
        return self


def _no_tls(ssl: Any) -> None:
    if ssl:
        raise UnsupportedInSimulation("TLS (ssl=...)", "the simulated network carries plain TCP only")


async def create_connection(
    loop: Any,
    protocol_factory: Callable[[], Any],
    host: Any = None,
    port: Any = None,
    *,
    ssl: Any = None,
    sock: Any = None,
    local_addr: Any = None,
    **_ignored: Any,
) -> tuple[_SimTransport, Any]:
    """loop.create_connection(): one round trip, then the protocol is connected."""
    _no_tls(ssl)
    if sock is not None:
        raise UnsupportedInSimulation("loop.create_connection(sock=...)", "pass host and port")
    if host is None and port is None:
        raise ValueError("host and port was not specified and no sock specified")
    net = network()
    answered = loop.create_future()

    def on_handshake(error: BaseException | None) -> None:
        if answered.cancelled():
            if error is None:
                client.send("reset")  # the caller gave up (a timeout): drop the connection
                client.release()
            return
        if error is None:
            answered.set_result(None)
        else:
            answered.set_exception(error)

    client = net.connect(LoopOwner(loop), host, port, on_handshake, bind_to=local_addr)
    await answered
    protocol = protocol_factory()
    waiter = loop.create_future()
    transport = _SimTransport(loop, client, protocol, waiter)
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    return transport, protocol


async def create_server(
    loop: Any,
    protocol_factory: Callable[[], Any],
    host: Any = None,
    port: Any = None,
    *,
    sock: Any = None,
    backlog: int = 100,
    ssl: Any = None,
    start_serving: bool = True,
    **_ignored: Any,
) -> SimServer:
    """loop.create_server(): bind now, listen when serving starts."""
    _no_tls(ssl)
    if sock is not None:
        raise UnsupportedInSimulation("loop.create_server(sock=...)", "pass host and port")
    net = network()
    hosts = list(host) if isinstance(host, (list, tuple, set)) else [host]
    number = net.port_of(port)
    listeners: list[Listener] = []
    try:
        for one in hosts:
            listener = Listener(net, ("", 0), LoopOwner(loop))
            listener.address = net.bind(net.host_of(one, server=True), number, listener)
            listeners.append(listener)
    except OSError:
        for listener in listeners:
            listener.close()
        raise
    server = SimServer(
        loop, [ServerSocket(lsn, net.new_fd()) for lsn in listeners], protocol_factory, None, backlog, None
    )

    def accept(connection: Socket) -> None:
        try:
            protocol = protocol_factory()
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            loop.call_exception_handler(
                {"message": "Error on transport creation for incoming connection", "exception": exc}
            )
            connection.send("reset")
            connection.release()
            return
        _SimTransport(loop, connection, protocol, server=server)

    for listener in listeners:
        listener.on_accept = accept
    if start_serving:
        server._start_serving()
        await base_events.tasks.sleep(0)  # as CPython does: one loop iteration to start listening
    return server


async def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0) -> list:
    return network().getaddrinfo(host, port, family, type, proto, flags)


async def getnameinfo(sockaddr: tuple[Any, ...], flags: int = 0) -> tuple[str, str]:
    return (str(sockaddr[0]), str(sockaddr[1]))


# Futures that asyncio's streams and servers (and create_connection here) make
# while a task waits on the network, by the function that makes them: (label
# in `on`, words for the waiting task). Without them a task reading a stream
# would only "wait for a future".
STREAM_WAITS = {
    "create_connection": ("connect", "waits for its connection to be set up (create_connection)"),
    "StreamReader._wait_for_data": ("network read", "waits for data from the network (StreamReader)"),
    "FlowControlMixin._drain_helper": ("drain", "waits for its write buffer to drain (StreamWriter.drain)"),
    "StreamReaderProtocol.__init__": ("connection close", "waits for its connection to close"),
    "Server.serve_forever": ("serve_forever", "serves connections until it is cancelled (serve_forever)"),
    "Server.wait_closed": ("server close", "waits for the server to close"),
}
