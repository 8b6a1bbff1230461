"""Threaded downloads: latency vs bandwidth

A tiny web server runs in a thread of its own, and a ThreadPoolExecutor
downloads ten pages from it with blocking sockets, first with one worker
thread, then with five. `as_completed` hands back each page as soon as
its download is done, in the order they finish.

Every download pays latency four times (two for connecting, one for the
request, one for the reply) plus the page's size divided by the
bandwidth. A thread blocked in `recv()` waits for the network and holds
no GIL, so while one waits the others run: five workers keep five
connections in flight, each on its own wire, and finish about five times
sooner. Watch the worker threads block on their sockets ("waits for data
from 127.0.0.1:8889") and the network wake them. Try `--latency 0.001`
(bandwidth dominates) or `--bandwidth 1e9` (latency dominates).
"""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

HOST, PORT = "127.0.0.1", 8889
PAGES = {f"/page{n}": 5_000 * n for n in range(1, 11)}


def serve(listener):
    """One request per connection: read the path, send that many bytes."""
    while True:
        conn, _ = listener.accept()
        with conn:
            path = conn.recv(1024).decode().split()[1]
            conn.sendall(b"x" * PAGES[path])


def download(path):
    with socket.create_connection((HOST, PORT)) as sock:
        sock.sendall(f"GET {path}\r\n".encode())
        size = 0
        while chunk := sock.recv(65536):
            size += len(chunk)
    return path, size


def fetch_all(workers):
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(download, path) for path in PAGES]
        for future in as_completed(futures):
            path, size = future.result()
            print(f"  {path}: {size} bytes after {time.monotonic() - started:.3f}s")
    return round(time.monotonic() - started, 3)


def main():
    listener = socket.create_server((HOST, PORT))
    threading.Thread(target=serve, args=(listener,), name="server", daemon=True).start()
    took = {}
    for workers in (1, 5):
        print(f"{workers} worker(s):")
        took[workers] = fetch_all(workers)
    print(f"one at a time {took[1]}s, five at a time {took[5]}s")
    return took


if __name__ == "__main__":
    main()
