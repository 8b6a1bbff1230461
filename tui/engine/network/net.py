"""Provides the simulated network: TCP connections in virtual time, with no real sockets.

Inside the recording process a program's `asyncio.open_connection()`,
`asyncio.start_server()` and blocking `socket.socket()` calls all talk over
one in-memory network. Nothing leaves the process and nothing waits for real
time; what a connection costs is worked out from two numbers, the settings
`latency` (one-way delay, `--latency`) and `bandwidth` (bytes per second of
one connection, `--bandwidth`):

- **Connecting** takes one round trip. The client's "hello" reaches the
  server after `latency`; the server's answer is back after another
  `latency`, so `connect()` returns `2 x latency` after it was called. If
  nobody listens on that address, the answer is a refusal:
  `ConnectionRefusedError(111, 'Connection refused')`, also after a round trip.
- **Sending** `n` bytes puts them on the sender's side of the connection.
  They go out one after another at `bandwidth` bytes per second, and each
  chunk arrives `latency` after its last byte went out:
  `arrival = start + n / bandwidth + latency`, where `start` is when the
  wire is free again. So a later chunk never overtakes an earlier one, and a
  big transfer is limited by bandwidth while many small messages are limited
  by latency.
- **Closing** (or `write_eof()` / `shutdown(SHUT_WR)`) sends an end-of-file
  mark behind the data; it arrives like data does, after the latency.
- Each direction of each connection has its own wire, so two connections
  side by side move twice as many bytes per second as one.

Addresses never touch DNS: "localhost" is 127.0.0.1, "", "0.0.0.0" and None
mean "every address" for a server, and any other name is a label that only
has to match between client and server. Ports are plain numbers; port 0
gets the next free "ephemeral" port from a counter (from 50000), so the same
program always gets the same ports, and a second bind of a port in use fails
with `OSError(98, 'Address already in use')`.

Under any scheduling policy but the default, the network is not exact: each
data or end-of-file packet, and each connection's handshake, is a decision
("net", tui.engine.schedule) of how much later than the model says it
arrives, from 0 to one latency more (DELIVERY_STEPS answers), as a real
network's queues and retransmits vary its delay. Packets of one direction of
one connection still arrive in the order sent (TCP); across connections and
directions they may overtake each other. A local pair (socketpair()) has no
latency and so no such decision.

How deliveries reach the program: a connection end owned by an asyncio event
loop gets each arrival as a loop timer (`Socket.data_arrives()` in the
timers panel, due at the arrival time), so an idle loop simply sleeps until
the next delivery; an end owned by a blocking socket gets it as a kernel
callback (`Kernel.call_at`) that wakes the thread blocked in `recv()` or
`accept()`. This module holds the network itself; `tui.engine.aio.streams`
holds the asyncio side (transports, servers) and `tui.engine.network.sockets` the
blocking socket API.

Why one module of this size: the network model (addresses, listeners, packets, latency and
bandwidth) is one set of rules; each part is used by every other.
"""

from __future__ import annotations

import itertools
import socket as _socket
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

from tui.engine.errors import UnsupportedInSimulation
from tui.engine.runtime import RUN
from tui.engine.threads.kernel import Kernel

ANY = "0.0.0.0"
LOOPBACK = "127.0.0.1"
FIRST_EPHEMERAL_PORT = 50000
FIRST_FD = 1000
"""Fake file descriptor numbers start high, well clear of the process's real ones."""
EPSILON = 1e-9
"""A delivery due within this much of now counts as arrived (the loop's clock resolution)."""

ECONNREFUSED, ECONNRESET, EADDRINUSE = 111, 104, 98


def refused() -> ConnectionRefusedError:
    return ConnectionRefusedError(ECONNREFUSED, "Connection refused")


def reset() -> ConnectionResetError:
    return ConnectionResetError(ECONNRESET, "Connection reset by peer")


def show(address: tuple[str, int]) -> str:
    return f"{address[0]}:{address[1]}"


class Packet(NamedTuple):
    """Something in flight to one end of a connection: data, an end-of-file mark or a reset."""

    arrival: float
    kind: str  # "data" | "eof" | "reset"
    data: bytes
    by: str | None
    """The actor that sent it (who woke the receiver, for frames)."""


# -- who owns a connection end: how a delivery reaches it --------------------------------------


class LoopOwner:
    """A connection end used by an asyncio event loop: deliveries are loop timers.

    A delivery is scheduled when it is sent, in the sender's own step (a task
    or a thread), so the recorder writes the timer into that step's frame and
    the viewer shows it in the loop's timer heap until it is due. (Scheduling
    it later, from a kernel callback, would put it in whatever frame came next.)
    """

    __slots__ = ("loop",)

    def __init__(self, loop: Any) -> None:
        self.loop = loop

    def schedule(self, when: float, callback: Callable[..., Any], *args: Any) -> None:
        loop = self.loop
        if loop.is_closed():
            return  # the program is done with this loop: nobody will read it
        loop.call_at(max(when, loop.time()), callback, *args)  # due together: in the order sent
        # From another thread the loop may sit idle until a later timer: let it
        # look at its timers again (what call_soon_threadsafe does too).
        loop._write_to_self()


class KernelOwner:
    """A connection end used by blocking sockets: deliveries are kernel callbacks."""

    __slots__ = ("kernel",)

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def schedule(self, when: float, callback: Callable[..., Any], *args: Any) -> None:
        self.kernel.call_at(max(when, self.kernel.clock.now), lambda: callback(*args))


Owner = LoopOwner | KernelOwner


# -- one end of a connection -------------------------------------------------------------------


class Socket:
    """One end of a simulated TCP connection: what arrives for it, and its outgoing wire.

    The class is called Socket because its arrival callbacks show up by that
    name in frames: `Socket.data_arrives()`.
    """

    def __init__(
        self,
        net: Network,
        local: tuple[str, int],
        remote: tuple[str, int],
        owner: Owner,
        *,
        latency: float | None = None,
        bandwidth: float | None = None,
    ) -> None:
        self.net = net
        self.latency = net.latency if latency is None else latency
        self.bandwidth = net.bandwidth if bandwidth is None else bandwidth
        """This end's outgoing wire: the network's, unless it is a local pair (socketpair())."""
        self.local = local
        self.remote = remote
        self.owner = owner
        self.peer: Socket | None = None
        self.inbound: deque[Packet] = deque()
        self.consumer: Any = None
        """The transport or blocking socket that takes deliveries (`accepts()`, `receive(packet)`)."""
        self.armed = False
        self.wire_free_at = 0.0
        """When everything queued on this end's outgoing wire has been sent."""
        self.handshake: Handshake | None = None
        self.on_handshake: Callable[[BaseException | None], None] | None = None
        self.released = False

    # sending ---------------------------------------------------------------------------

    def send(self, kind: str, data: bytes = b"") -> None:
        """Queue `data` (or an eof/reset mark) on the wire; the peer gets it when it arrives."""
        peer = self.peer
        if peer is None:
            return
        net = self.net
        now = net.now()
        start = max(now, self.wire_free_at)
        done = start + len(data) / self.bandwidth
        if kind == "reset":
            # A reset goes out at once and overtakes what is still waiting to be sent.
            done = now
            arrival = now + self.latency
            while peer.inbound and peer.inbound[-1].arrival > arrival:
                peer.inbound.pop()
        else:
            arrival = done + self.latency + net.kernel.delivery_delay(self.latency)
            if peer.inbound:
                arrival = max(arrival, peer.inbound[-1].arrival)  # TCP: never before what was sent first
        self.wire_free_at = done
        peer.inbound.append(Packet(arrival, kind, bytes(data), net.actor()))
        peer.arm()

    def unsent(self) -> int:
        """Bytes still waiting to go out on this end's wire."""
        left = self.wire_free_at - self.net.now()
        return max(0, round(left * self.bandwidth)) if left > 0 else 0

    # receiving -------------------------------------------------------------------------

    def arm(self) -> None:
        """Make sure a delivery is scheduled for the first packet in flight, if one is wanted."""
        consumer = self.consumer
        if self.armed or not self.inbound or consumer is None or not consumer.accepts():
            return
        self.armed = True
        head = self.inbound[0]
        callback = {"data": self.data_arrives, "eof": self.eof_arrives}.get(head.kind, self.reset_arrives)
        self.owner.schedule(head.arrival, callback)

    def pump(self) -> None:
        """Hand every packet that has arrived by now to the consumer, in order."""
        consumer = self.consumer
        if consumer is None:
            return
        limit = self.net.now() + EPSILON
        inbound = self.inbound
        while inbound and inbound[0].arrival <= limit and consumer.accepts():
            consumer.receive(inbound.popleft())
        self.arm()

    def _arrived(self) -> None:
        self.armed = False
        self.pump()

    # Three names for one callback, so that frames say what arrived.
    def data_arrives(self) -> None:
        self._arrived()

    def eof_arrives(self) -> None:
        self._arrived()

    def reset_arrives(self) -> None:
        self._arrived()

    # connecting ------------------------------------------------------------------------

    def handshake_done(self) -> None:
        """The server's answer to our connection request is back (one round trip)."""
        handshake = self.handshake
        assert handshake is not None
        handshake.decide()
        error = None if handshake.server is not None else refused()
        if error is not None:
            self.release()
        if self.on_handshake is not None:
            self.on_handshake(error)

    def release(self) -> None:
        """Give the local port back (the connection is closed on this side)."""
        if not self.released:
            self.released = True
            self.net.unbind(self.local, self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Socket:
        return self  # a forked process shares its parent's sockets

    def __repr__(self) -> str:
        return f"<Socket {show(self.local)} -> {show(self.remote)}>"


class Handshake:
    """One connection request in flight: decided once, when it reaches the server."""

    def __init__(self, client: Socket, listener: Listener | None) -> None:
        self.client = client
        self.listener = listener
        self.decided = False
        self.server: Socket | None = None

    def decide(self) -> None:
        """Accept into the listener's backlog, or refuse. Idempotent; never blocks or runs user code."""
        if self.decided:
            return
        self.decided = True
        listener = self.listener
        if listener is None or not listener.listening:
            return
        client = self.client
        server = Socket(client.net, client.remote, client.local, listener.owner)
        server.peer, client.peer = client, server
        self.server = server
        listener.arrived(server)


class Listener:
    """A listening address: connections accepted by the network wait in its backlog."""

    def __init__(self, net: Network, address: tuple[str, int], owner: Owner) -> None:
        self.net = net
        self.address = address
        self.owner = owner
        self.backlog: deque[Socket] = deque()
        self.listening = False
        self.on_arrival: Callable[[Socket], None] | None = None
        """Told (kernel-level) when a connection joins the backlog."""
        self.on_accept: Callable[[Socket], None] | None = None
        """asyncio: turns a backlog entry into a transport, in a loop step."""

    def listen(self) -> None:
        self.listening = True
        self.net.listeners[self.address] = self

    def arrived(self, server: Socket) -> None:
        self.backlog.append(server)
        if self.on_arrival is not None:
            self.on_arrival(server)

    def connection_arrives(self, handshake: Handshake) -> None:
        """A client's connection request reaches this address (one latency after connect())."""
        handshake.decide()
        if self.on_accept is not None:
            while self.backlog:
                self.on_accept(self.backlog.popleft())

    def close(self) -> None:
        """Stop listening: connections not accepted yet are reset."""
        self.listening = False
        if self.net.listeners.get(self.address) is self:
            del self.net.listeners[self.address]
        self.net.unbind(self.address, self)
        while self.backlog:
            server = self.backlog.popleft()
            server.send("reset")
            server.release()

    def __deepcopy__(self, memo: dict[int, Any]) -> Listener:
        return self


# -- the network -----------------------------------------------------------------------------


class Network:
    """Addresses, ports and the timing model shared by every connection of a recording."""

    def __init__(self, kernel: Kernel, latency: float, bandwidth: float) -> None:
        if latency < 0:
            raise ValueError(f"latency must not be negative: {latency}")
        if not bandwidth > 0:
            raise ValueError(f"bandwidth must be more than 0: {bandwidth}")
        self.kernel = kernel
        self.latency = float(latency)
        self.bandwidth = float(bandwidth)
        self.listeners: dict[tuple[str, int], Listener] = {}
        self.bound: dict[int, list[tuple[str, Any]]] = {}
        """port -> (host, holder) for every bound address."""
        self._next_port = FIRST_EPHEMERAL_PORT
        self._fds = itertools.count(FIRST_FD)
        self.sockets: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        """fd -> the blocking socket with that fake descriptor (what select() is handed)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Network:
        return self

    def now(self) -> float:
        self.kernel.settle()
        return self.kernel.clock.now

    def actor(self) -> str | None:
        rec = self.kernel.recorder
        return rec.current if rec is not None else self.kernel.current.tid

    def new_fd(self) -> int:
        return next(self._fds)

    # addresses ---------------------------------------------------------------------------

    @staticmethod
    def host_of(host: Any, *, server: bool) -> str:
        """A host as the network knows it: a label, with the usual names folded together."""
        if host is None or host in ("", ANY, "::", "0:0:0:0:0:0:0:0"):
            return ANY if server else LOOPBACK
        if isinstance(host, bytes):
            host = host.decode("ascii")
        if host in ("localhost", "::1", "ip6-localhost", "localhost.localdomain"):
            return LOOPBACK
        return str(host)

    @staticmethod
    def port_of(port: Any) -> int:
        if port is None:
            return 0
        if isinstance(port, str):
            if port.isdigit():
                port = int(port)
            else:
                try:
                    port = {"http": 80, "https": 443}[port]
                except KeyError:
                    raise OSError(-8, "Servname not supported for ai_socktype") from None
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise OverflowError("bind(): port must be 0-65535.")
        return port

    def bind(self, host: str, port: int, holder: Any) -> tuple[str, int]:
        """Reserve (host, port) for `holder`; port 0 picks the next free ephemeral port."""
        if port == 0:
            port = self._ephemeral(host)
        for other_host, _other in self.bound.get(port, ()):
            if other_host == host or ANY in (other_host, host):
                raise OSError(EADDRINUSE, "Address already in use")
        self.bound.setdefault(port, []).append((host, holder))
        return (host, port)

    def _ephemeral(self, host: str) -> int:
        while True:
            port = self._next_port
            self._next_port = port + 1 if port < 60999 else FIRST_EPHEMERAL_PORT
            taken = self.bound.get(port, ())
            if not any(h == host or ANY in (h, host) for h, _ in taken):
                return port

    def unbind(self, address: tuple[str, int], holder: Any) -> None:
        entries = self.bound.get(address[1])
        if entries:
            entries[:] = [(h, x) for h, x in entries if x is not holder]
            if not entries:
                del self.bound[address[1]]

    def listener_for(self, host: str, port: int) -> Listener | None:
        found = self.listeners.get((host, port)) or self.listeners.get((ANY, port))
        return found if found is not None and found.listening else None

    # connecting --------------------------------------------------------------------------

    def connect(
        self,
        owner: Owner,
        host: Any,
        port: Any,
        on_handshake: Callable[[BaseException | None], None],
        *,
        bound: tuple[str, int] | None = None,
        bind_to: tuple[Any, Any] | None = None,
    ) -> Socket:
        """Start connecting: the answer comes back to `on_handshake` one round trip later.

        The client's own address is `bound` (already bound by the caller), or
        `bind_to` (bound now), or the next ephemeral port. Who listens is
        looked up now: a server must be listening when the client starts to
        connect (if it stops before the request arrives, the request is
        refused then).
        """
        remote = (self.host_of(host, server=False), self.port_of(port))
        if remote[1] == 0:
            raise OSError(ECONNREFUSED, "Connection refused")
        client = Socket(self, (LOOPBACK, 0), remote, owner)
        if bound is not None:
            client.local = bound
            client.released = True  # its binding belongs to the caller
        elif bind_to is not None:
            client.local = self.bind(self.host_of(bind_to[0], server=True), self.port_of(bind_to[1]), client)
        else:
            client.local = self.bind(LOOPBACK, 0, client)
        listener = self.listener_for(*remote)
        handshake = client.handshake = Handshake(client, listener)
        client.on_handshake = on_handshake
        now = self.now()
        # A real network's round trip varies (a decision under any policy but the default).
        now += self.kernel.delivery_delay(self.latency)
        if listener is not None:
            listener.owner.schedule(now + self.latency, listener.connection_arrives, handshake)
        owner.schedule(now + 2 * self.latency, client.handshake_done)
        return client

    def getaddrinfo(self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0) -> list:
        """What socket.getaddrinfo() says here: one IPv4 TCP address, no DNS involved."""
        if host is None and port is None:
            raise _socket.gaierror(_socket.EAI_NONAME, "Name or service not known")
        server = bool(flags & _socket.AI_PASSIVE)
        address = (self.host_of(host, server=server), self.port_of(port))
        kind = _socket.SOCK_STREAM if type in (0, _socket.SOCK_STREAM) else type
        return [(_socket.AF_INET, kind, _socket.IPPROTO_TCP if kind == _socket.SOCK_STREAM else 0, "", address)]


def network() -> Network:
    net = RUN.network
    if net is None:
        raise UnsupportedInSimulation("network I/O here", "the simulated network exists only in the recording process")
    return net


def in_simulation(loop: Any) -> bool:
    """True when `loop` runs inside the recording process, where the network is simulated."""
    return isinstance(getattr(loop, "_idler", None), Kernel) and RUN.network is not None


def install(kernel: Kernel, latency: float, bandwidth: float) -> Network:
    """Create the recording's network; its sockets and selectors are installed on it next (recording.install)."""
    net = RUN.network = Network(kernel, latency, bandwidth)
    return net
