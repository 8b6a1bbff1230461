"""Readiness on simulated sockets: select, poll, epoll, selectors, socketpair(), socketserver, http.server, loop.sock_*.

Each program runs under plain `python` too (on real sockets) and prints only
what does not depend on real timing or real descriptor numbers, so the two
outputs must be the same; the recording also has to complete on its own, in
virtual time, with every wait in a frame.
"""

from __future__ import annotations

import pytest
from conftest import record

pytestmark = pytest.mark.slow


def printed(trace) -> list[str]:
    summary = trace.summary
    assert summary["outcome"] == "completed", summary.get("report")
    return "".join(summary.get("stdout") or []).splitlines()


def waits(trace) -> list[str]:
    return [f["wait"] for f in trace.frames() if f.get("wait")]


SOCKETPAIR = """
    import select, selectors, socket, threading, time

    a, b = socket.socketpair()
    print("family", a.family == socket.AF_UNIX, "name", repr(a.getsockname()), "laddr" in repr(a))

    def talk():
        for word in (b"one", b"two", b"three"):
            time.sleep(0.01)
            b.sendall(word)
        b.close()

    talker = threading.Thread(target=talk)
    talker.start()
    got = []
    while True:
        readable, _, _ = select.select([a], [], [], 5)
        assert readable == [a]
        data = a.recv(100)
        if not data:
            break
        got.append(data)
    talker.join()
    print(b"".join(got))

    c, d = socket.socketpair()
    selector = selectors.DefaultSelector()
    selector.register(c, selectors.EVENT_READ, "c")
    print("nothing yet", selector.select(timeout=0.2))
    d.sendall(b"x")
    print("ready", [(key.data, events) for key, events in selector.select(timeout=1)])
    poller = select.poll()
    poller.register(c, select.POLLIN)
    print("poll", [events for _fd, events in poller.poll(0)])
    ep = select.epoll()
    ep.register(c.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
    print("epoll once", [events for _fd, events in ep.poll(1)], "then", ep.poll(0))
    ep.close()
    d.close()
    print("eof readable", [events for _fd, events in poller.poll(0)] != [], c.recv(10), c.recv(10))
    print(type(selector).__name__, type(poller).__name__, type(ep).__name__)
"""


def test_socketpair_select_poll_epoll_and_selectors_as_cpython(record_source, python_output) -> None:
    trace = record_source(SOCKETPAIR)
    assert printed(trace) == python_output(SOCKETPAIR)
    # The main thread waited for the pair's end in select(), in a frame that says so.
    assert any(wait.endswith("to be readable (select)") for wait in waits(trace))


TIMEOUTS = """
    import select, socket, time

    a, b = socket.socketpair()
    started = time.monotonic()
    print(select.select([a], [], [], 0.25))
    print("waited", round(time.monotonic() - started, 2))
    started = time.monotonic()
    print(select.select([], [], [], 0.5))
    print("slept", round(time.monotonic() - started, 2))
    for bad in (-1, "1"):
        try:
            select.select([a], [], [], bad)
        except (ValueError, TypeError) as exc:
            print(type(exc).__name__, exc)
    a.setblocking(False)
    sent = a.send(b"x" * 10_000_000)
    print("partial", 0 < sent < 10_000_000)
    try:
        while True:
            a.send(b"x" * 10_000_000)
    except BlockingIOError as exc:
        print("full", exc.errno)
    print("writable when full", select.select([], [a], [], 0)[1])
    b.close()
    a.close()
    try:
        select.select([a], [], [], 0)
    except ValueError as exc:
        print(type(exc).__name__)
"""


def test_select_timeouts_run_on_the_virtual_clock_and_a_full_send_buffer_is_not_writable(
    record_source, python_output
) -> None:
    trace = record_source(TIMEOUTS)
    assert printed(trace) == python_output(TIMEOUTS)
    assert trace.summary["virtual_time"] == pytest.approx(0.75, abs=0.01)


SOCKETSERVER = """
    import socket, socketserver, threading

    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            data = self.request.recv(1024)
            self.request.sendall(data.upper())

    with socketserver.ThreadingTCPServer(("localhost", 0), Echo) as server:
        worker = threading.Thread(target=server.serve_forever, name="serve_forever")
        worker.start()
        for word in ("hello", "world"):
            with socket.create_connection(server.server_address) as conn:
                conn.sendall(word.encode())
                print(conn.recv(1024))
        server.shutdown()
        worker.join()
    print("shut down")
"""


def test_socketserver_serve_forever_serves_and_sees_shutdown(record_source, python_output) -> None:
    trace = record_source(SOCKETSERVER)
    assert printed(trace) == python_output(SOCKETSERVER) == ["b'HELLO'", "b'WORLD'", "shut down"]
    # serve_forever() waits in its selector, and polls every 0.5 s: shutdown is seen
    # within one poll interval of the last request, not never.
    assert any("(selector)" in wait and "readable" in wait for wait in waits(trace))
    assert trace.summary["virtual_time"] < 1.5


HTTP = """
    import http.client, http.server, threading

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"hello from {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    worker.start()
    host, port = server.server_address[:2]
    for path in ("/a", "/b"):
        client = http.client.HTTPConnection(host, port)
        client.request("GET", path)
        response = client.getresponse()
        print(response.status, response.getheader("Content-Length"), response.read())
        client.close()
    server.shutdown()
    server.server_close()
    worker.join()
    print("done")
"""


def test_a_threaded_http_server_answers_http_client(record_source, python_output) -> None:
    trace = record_source(HTTP)
    assert printed(trace) == python_output(HTTP)
    assert printed(trace)[-1] == "done"


LOOP_SOCKETS = """
    import asyncio, socket

    async def handle(conn):
        loop = asyncio.get_running_loop()
        data = await loop.sock_recv(conn, 1024)
        await loop.sock_sendall(conn, data.upper())
        conn.close()

    async def main():
        loop = asyncio.get_running_loop()
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)

        async def serve():
            for _ in range(2):
                conn, _ = await loop.sock_accept(server)
                asyncio.create_task(handle(conn))

        serving = asyncio.create_task(serve())
        for word in (b"ping", b"pong"):
            client = socket.socket()
            client.setblocking(False)
            await loop.sock_connect(client, server.getsockname())
            await loop.sock_sendall(client, word)
            print(await loop.sock_recv(client, 1024))
            client.close()
        await serving
        refused = socket.socket()
        refused.setblocking(False)
        try:
            await loop.sock_connect(refused, ("127.0.0.1", 1))
        except OSError as exc:
            print(type(exc).__name__, exc.errno)
        refused.close()

        a, b = socket.socketpair()
        a.setblocking(False)
        got = asyncio.Event()

        def on_readable():
            print("readable", a.recv(10))
            loop.remove_reader(a)
            got.set()

        loop.add_reader(a, on_readable)
        b.send(b"hi")
        await got.wait()
        print("removed again", loop.remove_reader(a))
        server.close()

    asyncio.run(main())
"""


def test_loop_sock_calls_and_add_reader_on_simulated_sockets(record_source, python_output) -> None:
    trace = record_source(LOOP_SOCKETS)
    assert printed(trace) == python_output(LOOP_SOCKETS)
    # CPython's own readiness callbacks run as steps of their own, each a frame.
    callbacks = {f.get("n") for f in trace.frames() if f["k"] == "cb"}
    assert {f"SelectorEventLoop._sock_{name}()" for name in ("accept", "connect_cb", "recv")} <= callbacks


def test_a_select_nobody_can_satisfy_is_reported_as_a_deadlock(record_source) -> None:
    trace = record_source(
        """
        import select, socket
        a, b = socket.socketpair()
        select.select([a], [], [])
        """
    )
    summary = trace.summary
    assert summary["outcome"] == "deadlock", summary
    assert "to be readable (select)" in str(summary["report"])


def test_the_same_server_program_records_identically_twice(tmp_path) -> None:
    path = tmp_path / "server.py"
    import textwrap

    path.write_text(textwrap.dedent(SOCKETSERVER), encoding="utf-8")
    first, second = record(path), record(path)
    assert list(first.frames()) == list(second.frames())


EDGE_CASES = """
    import select, selectors, socket, threading, time

    def elapsed(since):
        return round(time.monotonic() - since, 1)

    waiter = threading.Thread(target=lambda: selectors.DefaultSelector().select(), daemon=True)
    waiter.start()  # waits for ever on nothing, as CPython does: the program still ends

    a, b = socket.socketpair()
    a.setblocking(False)
    try:
        a.sendall(b"x" * 3_000_000)
    except BlockingIOError:
        print("sendall: BlockingIOError")

    c, d = socket.socketpair()
    selector = selectors.DefaultSelector()
    selector.register(c, selectors.EVENT_READ)
    c.close()
    started = time.monotonic()
    print("closed, selector:", selector.select(0.5), elapsed(started))
    ep = select.epoll()
    e, f = socket.socketpair()
    ep.register(e.fileno(), select.EPOLLIN | select.EPOLLOUT | select.EPOLLET)
    print("edge first:", [events for _fd, events in ep.poll(0.1)])
    started = time.monotonic()
    print("edge again:", ep.poll(0.3), elapsed(started))
    f.send(b"new")
    print("edge on data:", [events & select.EPOLLIN for _fd, events in ep.poll(0.3)])
    g = socket.socket()
    started = time.monotonic()
    print("exception list only:", select.select([], [], [g], 0.3), elapsed(started))
    ep.register(g.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
    print("one shot:", len(ep.poll(0.1)), "then", ep.poll(0.1))
    time.sleep(0.1)
    print("done")
"""


def test_waits_on_nothing_closed_sockets_edges_and_non_blocking_sendall_as_cpython(
    record_source, python_output
) -> None:
    trace = record_source(EDGE_CASES)
    assert printed(trace) == python_output(EDGE_CASES)
    assert trace.summary["stderr"] in ("", [])
