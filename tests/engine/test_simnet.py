"""The simulated network: asyncio streams and blocking sockets over an in-memory, virtual-time TCP.

Every program here is recorded through the real recording process. The
times they print are checked against the model of tui.engine.network.net:
connecting takes 2 x latency, a chunk of n bytes arrives
`latency + n / bandwidth` after the wire is free, close sends end-of-file
behind the data. Defaults: latency 0.025 s, bandwidth 1,000,000 bytes/s.
Programs with threads pay a few microseconds of bytecode CPU, hence the
small tolerance there; pure asyncio programs are exact.
"""

from __future__ import annotations

import re

import pytest
from conftest import SCENARIOS, record

from tui.engine.clock import VirtualClock
from tui.engine.threads.actors import Blocker
from tui.engine.threads.kernel import Kernel

LATENCY = 0.025
BANDWIDTH = 1_000_000.0
RTT = 2 * LATENCY


def lines(trace, pattern: str) -> list[re.Match[str]]:
    return [m for line in trace.summary["stdout"].splitlines() if (m := re.fullmatch(pattern, line))]


def completed(trace) -> dict:
    summary = trace.summary
    assert summary["outcome"] == "completed", summary.get("report")
    assert summary["stderr"] == ""
    return summary


ECHO = """
    import asyncio, time

    async def handle(reader, writer):
        data = await reader.read(4096)
        writer.write(data)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def client(n, size):
        start = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", 8888)
        connected = time.monotonic()
        writer.write(bytes([65 + n]) * size)
        reply = await reader.read(4096)
        answered = time.monotonic()
        writer.close()
        await writer.wait_closed()
        print(f"client {n}: {len(reply)} bytes of {reply[:1].decode()} connect {connected - start:.6f} "
              f"echo {answered - connected:.6f} sockname {writer.get_extra_info('sockname')} "
              f"peername {writer.get_extra_info('peername')}")
        return len(reply)

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 8888)
        async with server:
            return await asyncio.gather(client(0, 1000), client(1, 1000), client(2, 10))

    if __name__ == "__main__":
        asyncio.run(main())
    """


# -- asyncio streams ---------------------------------------------------------------------------


@pytest.mark.slow
def test_asyncio_echo_server_serves_three_clients_in_model_time(record_source) -> None:
    trace = record_source(ECHO)
    summary = completed(trace)
    assert summary["result"] == "[1000, 1000, 10]"
    found = {
        int(m[1]): m
        for m in lines(
            trace,
            r"client (\d): (\d+) bytes of (\w) connect (\S+) echo (\S+) "
            r"sockname \('127\.0\.0\.1', (\d+)\) peername \('127\.0\.0\.1', 8888\)",
        )
    }
    assert sorted(found) == [0, 1, 2]
    for n, size in ((0, 1000), (1, 1000), (2, 10)):
        m = found[n]
        assert int(m[2]) == size and m[3] == "ABC"[n]
        assert float(m[4]) == pytest.approx(RTT)  # one round trip to connect
        assert float(m[5]) == pytest.approx(2 * (LATENCY + size / BANDWIDTH))  # there and back
    # Client ports come from a counter: 50000, 50001, 50002 in the order they connected.
    assert sorted(int(m[6]) for m in found.values()) == [50000, 50001, 50002]
    # A 1,000-byte echo: connect RTT + 2 x (0.025 + 0.001).
    assert summary["virtual_time"] == pytest.approx(RTT + 2 * (LATENCY + 1000 / BANDWIDTH))

    # Deliveries are loop timers, due exactly at the arrival time.
    arrivals = [f for f in trace.frames() if f["k"] == "timer" and f.get("n") == "Socket.data_arrives()"]
    assert sorted(round(f["t"], 9) for f in arrivals) == sorted(
        round(t, 9)
        for size in (1000, 1000, 10)
        for t in (RTT + LATENCY + size / BANDWIDTH, RTT + 2 * (LATENCY + size / BANDWIDTH))
    )
    accepted = [f for f in trace.frames() if f.get("n") == "Listener.connection_arrives()"]
    assert [f["t"] for f in accepted] == [LATENCY] * 3
    waits = {f.get("wait") for f in trace.frames() if f.get("st") == "wait"}
    assert "waits for data from the network (StreamReader)" in waits


@pytest.mark.slow
def test_stream_reader_methods_server_api_and_ephemeral_ports(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def handle(reader, writer):
            writer.write(b"line one\\nline two\\n")
            writer.writelines([b"12345", b"abc;rest"])
            await writer.drain()
            assert writer.can_write_eof()
            writer.write_eof()
            await reader.read()            # until the client closes
            writer.close()

        async def main():
            server = await asyncio.start_server(handle, "localhost", 0)
            host, port = server.sockets[0].getsockname()
            assert server.is_serving()
            serving = asyncio.create_task(server.serve_forever())
            reader, writer = await asyncio.open_connection("localhost", port)
            got = [await reader.readline(), await reader.readline(), await reader.readexactly(5),
                   await reader.readuntil(b";"), await reader.read()]
            assert reader.at_eof()
            try:
                await reader.readexactly(1)
            except asyncio.IncompleteReadError as exc:
                got.append(f"incomplete {exc.partial!r}")
            writer.close()
            await writer.wait_closed()
            await asyncio.sleep(1)         # the handler sees our end-of-file and finishes
            serving.cancel()
            try:
                await serving
            except asyncio.CancelledError:
                pass
            assert not server.is_serving() and server.sockets == ()
            await server.wait_closed()
            return host, port, got

        asyncio.run(main())
        """
    )
    summary = completed(trace)
    assert summary["result"] == (
        "('127.0.0.1', 50000, [b'line one\\n', b'line two\\n', b'12345', b'abc;', b'rest', \"incomplete b''\"])"
    )


@pytest.mark.slow
def test_a_plain_protocol_over_create_connection_and_create_server(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        class Upper(asyncio.Protocol):
            def connection_made(self, transport):
                self.transport = transport

            def data_received(self, data):
                self.transport.write(data.upper())

            def eof_received(self):
                return False          # close our side too

        class Client(asyncio.Protocol):
            def __init__(self, done):
                self.done, self.got = done, b""

            def connection_made(self, transport):
                transport.write(b"hello")
                transport.write_eof()

            def data_received(self, data):
                self.got += data

            def connection_lost(self, exc):
                self.done.set_result((self.got, exc))

        async def main():
            loop = asyncio.get_running_loop()
            server = await loop.create_server(Upper, "0.0.0.0", 7000)
            done = loop.create_future()
            transport, protocol = await loop.create_connection(lambda: Client(done), "example.org", 7000)
            got = await done
            assert transport.is_closing()
            info = await loop.getaddrinfo("localhost", 7000)
            server.close()
            return got, loop.time(), info[0][4]

        asyncio.run(main())
        """
    )
    summary = completed(trace)
    # Any host name is a label; a server on 0.0.0.0 takes them all. The
    # reply and the end-of-file come back a round trip after the request.
    m = re.fullmatch(r"\(\(b'HELLO', None\), (\S+), \('127\.0\.0\.1', 7000\)\)", summary["result"])
    assert m and float(m[1]) == pytest.approx(RTT + 2 * (LATENCY + 5 / BANDWIDTH))


@pytest.mark.slow
def test_drain_waits_while_the_write_buffer_is_over_its_high_water_mark(record_source) -> None:
    trace = record_source(
        """
        import asyncio, time

        async def handle(reader, writer):
            data = await reader.readexactly(1_000_000)
            print(f"server has it all at {time.monotonic():.6f}")
            writer.close()

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", 8888)
            reader, writer = await asyncio.open_connection("127.0.0.1", 8888)
            start = time.monotonic()
            writer.write(b"x" * 1_000_000)
            print(f"buffered {writer.transport.get_write_buffer_size()}")
            await writer.drain()
            print(f"drained after {time.monotonic() - start:.6f}, "
                  f"{writer.transport.get_write_buffer_size()} left")
            await reader.read()
            writer.close()
            server.close()
            return "ok"

        asyncio.run(main())
        """
    )
    completed(trace)
    assert lines(trace, r"buffered 1000000")
    (drained,) = lines(trace, r"drained after (\S+), (\d+) left")
    # drain() returns once only the low-water mark (16 KiB) is left to send.
    assert float(drained[1]) == pytest.approx((1_000_000 - 16 * 1024) / BANDWIDTH)
    assert int(drained[2]) == 16 * 1024
    (arrived,) = lines(trace, r"server has it all at (\S+)")
    assert float(arrived[1]) == pytest.approx(RTT + 1_000_000 / BANDWIDTH + LATENCY)


# -- blocking sockets -----------------------------------------------------------------------------

THREADED = """
    import socket, threading, time

    def serve(listener):
        for _ in range(2):
            conn, address = listener.accept()
            with conn:
                request = b""
                while not request.endswith(b"\\n"):
                    chunk = conn.recv(4)
                    if not chunk:
                        break
                    request += chunk
                conn.sendall(request.upper())
                print(f"served {address[0]}:{address[1]} {conn.getsockname()} at {time.monotonic():.6f}")

    def client(n):
        start = time.monotonic()
        with socket.create_connection(("localhost", 9000)) as sock:
            connected = time.monotonic()
            sock.sendall(b"hello %d\\n" % n)
            reply = b""
            while True:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                reply += chunk
            print(f"client {n}: {reply!r} connect {connected - start:.6f} reply {time.monotonic() - connected:.6f} "
                  f"fd {sock.fileno()}")

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 9000))
    listener.listen()
    server = threading.Thread(target=serve, args=(listener,), name="server")
    server.start()
    clients = [threading.Thread(target=client, args=(n,), name=f"client-{n}") for n in range(2)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    server.join()
    listener.close()
    """


@pytest.mark.slow
def test_a_threaded_server_and_blocking_clients(record_source) -> None:
    trace = record_source(THREADED)
    completed(trace)
    replies = {int(m[1]): m for m in lines(trace, r"client (\d): (.*) connect (\S+) reply (\S+) fd (\d+)")}
    assert sorted(replies) == [0, 1]
    for n, m in replies.items():
        assert m[2] == repr(b"HELLO %d\n" % n)
        assert float(m[3]) == pytest.approx(RTT, abs=1e-3)
        # The request goes there, the reply and the end-of-file come back.
        assert float(m[4]) == pytest.approx(2 * LATENCY + (8 + 8) / BANDWIDTH, abs=1e-3)
        assert int(m[5]) >= 1000  # fake descriptors, clear of real ones
    served = lines(trace, r"served 127\.0\.0\.1:(\d+) \('127\.0\.0\.1', 9000\) at (\S+)")
    assert sorted(int(m[1]) for m in served) == [50000, 50001]

    # A blocked thread says on which socket and for what; the network wakes it.
    frames = list(trace.frames())
    sockets = {d["res"]: d for f in frames for d in f.get("new", ()) if d.get("kind") == "Socket"}
    assert sockets and all(d["api"] == "socket" for d in sockets.values())
    assert any(d["name"] == "listener" for d in sockets.values())
    waits = [f for f in frames if f["k"] == "thread" and f.get("st") == "blocked" and f.get("on") in sockets]
    words = {f["wait"] for f in waits}
    assert "waits for a connection on 127.0.0.1:9000" in words
    assert "waits to connect to 127.0.0.1:9000" in words
    assert "waits for data from 127.0.0.1:9000" in words
    woken = [f for f in frames if f["k"] == "thread" and f["why"][0] == "wake" and f["why"][1] in sockets]
    assert woken
    assert max(f["t"] for f in woken) == pytest.approx(RTT + 2 * LATENCY + 16 / BANDWIDTH, abs=1e-3)


@pytest.mark.slow
def test_an_asyncio_server_and_a_blocking_client_thread_talk(record_source) -> None:
    trace = record_source(
        """
        import asyncio, socket, time

        def fetch():
            with socket.create_connection(("127.0.0.1", 8080)) as sock:
                sock.sendall(b"ping")
                sock.shutdown(socket.SHUT_WR)
                return sock.recv(100), time.monotonic()

        async def handle(reader, writer):
            writer.write((await reader.read()) + b" pong")
            writer.close()

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", 8080)
            async with server:
                return await asyncio.to_thread(fetch)

        asyncio.run(main())
        """
    )
    summary = completed(trace)
    m = re.fullmatch(r"\(b'ping pong', (\S+)\)", summary["result"])
    assert m, summary["result"]
    # connect, request + eof, reply: the loop slept until each delivery.
    assert float(m[1]) == pytest.approx(RTT + 2 * LATENCY + 9 / BANDWIDTH, abs=1e-3)


@pytest.mark.slow
def test_an_asyncio_client_and_a_blocking_server_thread_talk(record_source) -> None:
    trace = record_source(
        """
        import asyncio, socket, threading

        def serve(listener):
            conn, _ = listener.accept()
            conn.sendall(conn.recv(100) * 2)
            conn.close()

        async def main():
            listener = socket.create_server(("127.0.0.1", 8081))
            threading.Thread(target=serve, args=(listener,)).start()
            reader, writer = await asyncio.open_connection("127.0.0.1", 8081)
            writer.write(b"abc")
            reply = await reader.read()
            writer.close()
            return reply, asyncio.get_running_loop().time()

        asyncio.run(main())
        """
    )
    summary = completed(trace)
    m = re.fullmatch(r"\(b'abcabc', (\S+)\)", summary["result"])
    assert m, summary["result"]
    assert float(m[1]) == pytest.approx(RTT + 2 * LATENCY + 9 / BANDWIDTH, abs=1e-3)


@pytest.mark.slow
def test_a_server_in_another_process(record_source) -> None:
    trace = record_source(
        """
        import multiprocessing, socket, time

        def serve(listener):
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"from pid %d" % multiprocessing.current_process().pid)

        if __name__ == "__main__":
            listener = socket.create_server(("127.0.0.1", 8082))
            child = multiprocessing.Process(target=serve, args=(listener,))
            child.start()
            with socket.create_connection(("127.0.0.1", 8082)) as sock:
                print(sock.recv(100), f"{time.monotonic():.4f}")
            child.join()
        """
    )
    completed(trace)
    (m,) = lines(trace, r"b'from pid (\d+)' (\S+)")
    assert int(m[1]) != 4100
    # The child accepts one latency after connect() and answers at once: its
    # reply arrives with the end of the handshake (plus the parent's fork cost).
    assert float(m[2]) == pytest.approx(RTT + 12 / BANDWIDTH, abs=2e-3)


# -- refusal, addresses, timeouts ----------------------------------------------------------------------


@pytest.mark.slow
def test_connecting_where_nobody_listens_is_refused_after_a_round_trip(record_source) -> None:
    trace = record_source(
        """
        import asyncio, socket, time

        def blocking():
            start = time.monotonic()
            try:
                socket.create_connection(("localhost", 1234))
            except ConnectionRefusedError as exc:
                return repr(exc), round(time.monotonic() - start, 6)

        async def main():
            loop = asyncio.get_running_loop()
            try:
                await asyncio.open_connection("127.0.0.1", 1234)
            except ConnectionRefusedError as exc:
                first = repr(exc), loop.time()
            sock = socket.socket()
            code = sock.connect_ex(("10.1.2.3", 80))
            sock.close()
            return first, await asyncio.to_thread(blocking), code

        asyncio.run(main())
        """
    )
    summary = completed(trace)
    refused = "ConnectionRefusedError(111, 'Connection refused')"
    m = re.fullmatch(r'\(\((".*"), (\S+)\), \((".*"), (\S+)\), (\d+)\)', summary["result"])
    assert m, summary["result"]
    assert m[1] == m[3] == repr(refused) and m[5] == "111"
    assert float(m[2]) == RTT and float(m[4]) == pytest.approx(RTT, abs=1e-3)


@pytest.mark.slow
def test_binding_a_port_in_use_fails_and_port_zero_picks_a_free_one(record_source) -> None:
    trace = record_source(
        """
        import asyncio, socket

        async def main():
            first = socket.socket()
            first.bind(("127.0.0.1", 8000))
            errors = []
            for host in ("127.0.0.1", "0.0.0.0", "localhost"):
                try:
                    socket.socket().bind((host, 8000))
                except OSError as exc:
                    errors.append(repr(exc))
            try:
                await asyncio.start_server(lambda r, w: None, "127.0.0.1", 8000)
            except OSError as exc:
                errors.append(repr(exc))
            other = socket.socket()
            other.bind(("127.0.0.2", 8000))        # another address: fine
            free = socket.socket()
            free.bind(("", 0))
            first.close()
            again = socket.socket()
            again.bind(("127.0.0.1", 8000))        # free again after close()
            assert set(errors) == {repr(OSError(98, "Address already in use"))}
            return len(errors), free.getsockname(), other.getsockname()

        asyncio.run(main())
        """
    )
    summary = completed(trace)
    assert summary["result"] == "(4, ('0.0.0.0', 50000), ('127.0.0.2', 8000))"


@pytest.mark.slow
def test_socket_timeouts_raise_timeout_error_in_virtual_time(record_source) -> None:
    trace = record_source(
        """
        import asyncio, socket, time

        def attempt(what, call):
            start = time.monotonic()
            try:
                call()
            except socket.timeout as exc:
                print(f"{what}: {exc!r} after {time.monotonic() - start:.4f}")

        listener = socket.create_server(("127.0.0.1", 9100))
        listener.settimeout(1.5)
        assert listener.gettimeout() == 1.5
        attempt("accept", listener.accept)
        attempt("connect", lambda: socket.create_connection(("127.0.0.1", 9100), timeout=0.01))
        sock = socket.create_connection(("127.0.0.1", 9100), timeout=2)
        sock.settimeout(0.25)
        attempt("recv", lambda: sock.recv(10))
        sock.setblocking(False)
        try:
            sock.recv(10)
        except BlockingIOError as exc:
            print(f"non-blocking: {exc!r}")

        async def main():
            reader, writer = await asyncio.open_connection("127.0.0.1", 9100)
            start = asyncio.get_running_loop().time()
            try:
                await asyncio.wait_for(reader.read(10), 0.5)
            except TimeoutError:
                return f"read timed out after {asyncio.get_running_loop().time() - start:.4f}"

        print(asyncio.run(main()))
        """
    )
    completed(trace)
    out = trace.summary["stdout"]
    assert "accept: TimeoutError('timed out') after 1.5000" in out
    assert "connect: TimeoutError('timed out') after 0.0100" in out
    assert "recv: TimeoutError('timed out') after 0.2500" in out
    assert "non-blocking: BlockingIOError(11, 'Resource temporarily unavailable')" in out
    assert "read timed out after 0.5000" in out


@pytest.mark.slow
def test_hostnames_resolve_without_dns(record_source) -> None:
    trace = record_source(
        """
        import socket

        print(socket.getaddrinfo("localhost", 80)[0][4], socket.getaddrinfo("example.com", "http")[0][4])
        print(socket.gethostbyname("localhost"), socket.gethostbyname("db.internal"))
        listener = socket.create_server(("", 8443))
        with socket.create_connection(("db.internal", 8443)) as sock:
            conn, peer = listener.accept()
            print(sock.getpeername(), conn.getsockname(), peer)
        """
    )
    completed(trace)
    assert trace.summary["stdout"].splitlines() == [
        "('127.0.0.1', 80) ('example.com', 80)",
        "127.0.0.1 db.internal",
        "('db.internal', 8443) ('db.internal', 8443) ('127.0.0.1', 50000)",
    ]


# -- bandwidth and latency -----------------------------------------------------------------------------

DOWNLOADS = """
    import asyncio, time

    PAGE = 100_000

    async def handle(reader, writer):
        await reader.readline()
        writer.write(b"x" * PAGE)
        await writer.drain()
        writer.close()

    async def fetch(limit, n):
        async with limit:
            reader, writer = await asyncio.open_connection("127.0.0.1", 8000)
            writer.write(b"GET /page/%d\\n" % n)
            body = await reader.read()
            writer.close()
            return len(body)

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 8000)
        for at_once in (1, 5):
            start = time.monotonic()
            limit = asyncio.Semaphore(at_once)
            sizes = await asyncio.gather(*(fetch(limit, n) for n in range(10)))
            print(f"{at_once} at a time: {sum(sizes)} bytes in {time.monotonic() - start:.6f}s")
        server.close()
        return "done"

    asyncio.run(main())
    """


def one_page(latency: float, bandwidth: float, page: int = 100_000, request: int = 12) -> float:
    """Connect, send the request, get the page and the end-of-file: the model, by hand."""
    return 2 * latency + (latency + request / bandwidth) + (latency + page / bandwidth)


@pytest.mark.slow
@pytest.mark.parametrize(("latency", "bandwidth"), [(LATENCY, BANDWIDTH), (0.1, 10_000_000.0), (0.001, 100_000.0)])
def test_ten_downloads_one_or_five_at_a_time(record_source, latency: float, bandwidth: float) -> None:
    options = {} if (latency, bandwidth) == (LATENCY, BANDWIDTH) else {"latency": latency, "bandwidth": bandwidth}
    trace = record_source(DOWNLOADS, **options)
    completed(trace)
    took = {int(m[1]): float(m[3]) for m in lines(trace, r"(\d) at a time: (\d+) bytes in (\S+)s")}
    page = one_page(latency, bandwidth)
    # Each connection has its own wire: five at a time take two rounds, not ten.
    assert took[1] == pytest.approx(10 * page)
    assert took[5] == pytest.approx(2 * page)
    assert trace.summary["stdout"].count("1000000 bytes") == 2


@pytest.mark.slow
def test_bandwidth_limits_one_connection_however_it_is_written(record_source) -> None:
    trace = record_source(
        """
        import socket, threading, time

        def serve(listener):
            conn, _ = listener.accept()
            start = time.monotonic()
            for _ in range(100):
                conn.sendall(b"y" * 10_000)      # 1 MB in all, in 100 chunks
            print(f"sendall returned after {time.monotonic() - start:.4f}s")
            conn.close()

        listener = socket.create_server(("127.0.0.1", 9200))
        threading.Thread(target=serve, args=(listener,)).start()
        sock = socket.create_connection(("127.0.0.1", 9200))
        start = time.monotonic()
        total = 0
        while chunk := sock.recv(65536):
            total += len(chunk)
        print(f"received {total} bytes in {time.monotonic() - start:.4f}s")
        """,
        latency=0.05,
        bandwidth=500_000,
    )
    completed(trace)
    # The wire carries 500 kB/s: 1 MB takes 2 s whatever the chunks. (The server
    # starts sending when it accepts, a latency before connect() returns here,
    # so the last byte arrives 2 s + 2 latencies after connect() began.)
    (received,) = lines(trace, r"received 1000000 bytes in (\S+)s")
    assert float(received[1]) == pytest.approx(2.0, abs=2e-3)
    # sendall returns once what is left fits in the 64 KiB send buffer.
    (sent,) = lines(trace, r"sendall returned after (\S+)s")
    assert float(sent[1]) == pytest.approx((1_000_000 - 64 * 1024) / 500_000, abs=2e-3)


# -- determinism and the kernel ----------------------------------------------------------------------


@pytest.mark.slow
def test_connections_made_at_the_same_instant_complete_in_the_order_they_were_made(record_source) -> None:
    # Five handshakes are due at exactly t=2 x latency. asyncio's timer heap alone
    # would pop equal times in no particular order; the network keeps send order.
    trace = record_source(
        """
        import asyncio

        async def client(name):
            reader, writer = await asyncio.open_connection("127.0.0.1", 8888)
            print(name)
            writer.close()

        async def main():
            server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 8888)
            async with server:
                await asyncio.gather(*(client(n) for n in "abcde"))

        asyncio.run(main())
        """
    )
    assert completed(trace)["stdout"].split() == list("abcde")
    handshakes = [f for f in trace.frames() if f.get("n") == "Socket.handshake_done()"]
    assert len(handshakes) == 5 and {f["t"] for f in handshakes} == {RTT}


@pytest.mark.slow
def test_recording_a_networked_program_twice_gives_identical_traces(record_source) -> None:
    first = record_source(ECHO)
    again = record_source(ECHO)
    assert len(first) == len(again)
    assert [first.line(i) for i in range(len(first))] == [again.line(i) for i in range(len(again))]
    assert first.summary == again.summary

    threaded, threaded_again = record_source(THREADED), record_source(THREADED)
    assert [threaded.line(i) for i in range(len(threaded))] == [
        threaded_again.line(i) for i in range(len(threaded_again))
    ]


def test_a_thread_woken_by_a_kernel_callback_resumes_at_the_callbacks_time() -> None:
    """The waker runs inside the scheduler, on the waiting thread's own process: the thread
    must not resume at the time it went to sleep (an idle loop waiting for the network)."""

    class Wait(Blocker):
        pass

    def no_deadlock(kernel: Kernel) -> None:
        raise AssertionError("deadlock")

    clock = VirtualClock()
    kernel = Kernel(clock, no_deadlock)
    main = kernel.current
    kernel.call_at(2.5, lambda: kernel.wake(main, via="network"))
    assert kernel.block(Wait(), None)
    assert clock.now == 2.5 and main.proc.time == 2.5
    assert main.why == ["wake", "network", main.tid]


def test_an_idle_loop_woken_from_a_kernel_callback_runs_at_the_callbacks_time() -> None:
    """A loop that waits only for something a kernel callback delivers (through
    call_soon_threadsafe) is not deadlocked, and its clock jumps to the delivery."""
    import asyncio

    from tui.engine.aio.loop import SimEventLoop

    def no_deadlock(kernel: Kernel) -> None:
        raise AssertionError("deadlock")

    clock = VirtualClock()
    kernel = Kernel(clock, no_deadlock)
    loop = SimEventLoop(clock=clock, idler=kernel)

    async def main() -> tuple[str, float]:
        fut = loop.create_future()
        kernel.call_at(3.0, lambda: loop.call_soon_threadsafe(fut.set_result, "delivered"))
        return await fut, loop.time()

    try:
        assert loop.run_until_complete(main()) == ("delivered", 3.0)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


# -- the bundled lessons -----------------------------------------------------------------------------


@pytest.mark.slow
def test_lesson_echo_server_overlaps_three_conversations() -> None:
    trace = record(SCENARIOS / "20_echo_server.py")
    summary = completed(trace)
    assert summary["result"] == "['ANN', 'BOB', 'CY']"
    for name in ("ann", "bob", "cy"):
        assert f"{name}: connected at t=0.050s" in summary["stdout"]
        assert f"{name}: got '{name.upper()}' back at t=0.100s" in summary["stdout"]
    # A round trip to connect, then the line there and back: the three overlap.
    assert summary["virtual_time"] == pytest.approx(RTT + 2 * LATENCY, abs=1e-4)
    handlers = {a.name for a in trace.state_at(len(trace) - 1).actors.values() if a.name.startswith("handler-")}
    assert handlers == {"handler-50000", "handler-50001", "handler-50002"}


@pytest.mark.slow
def test_lesson_threaded_downloads_shows_where_the_time_goes() -> None:
    trace = record(SCENARIOS / "21_threaded_downloads.py")
    summary = completed(trace)
    pages = [(f"/page{n}", 5_000 * n) for n in range(1, 11)]

    def download(path: str, size: int) -> float:
        request = len(f"GET {path}\r\n")
        return 4 * LATENCY + (request + size) / BANDWIDTH  # connect, request, page

    def schedule(workers: int) -> float:
        free = [0.0] * workers
        for path, size in pages:  # the pool hands work out first come, first served
            free[free.index(min(free))] += download(path, size)
        return max(free)

    (m,) = lines(trace, r"one at a time (\S+)s, five at a time (\S+)s")
    assert float(m[1]) == pytest.approx(schedule(1), abs=2e-3)
    assert float(m[2]) == pytest.approx(schedule(5), abs=2e-3)
    assert summary["stdout"].count("50000 bytes after") == 2
    waits = {f.get("wait") for f in trace.frames() if f["k"] == "thread" and f.get("st") == "blocked"}
    assert "waits for data from 127.0.0.1:8889" in waits
    assert "waits for a connection on 127.0.0.1:8889" in waits
