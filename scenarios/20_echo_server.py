"""Echo server: network I/O with asyncio streams

A server and three clients talk over TCP. `asyncio.start_server` runs
`handle` in a new task for every connection; each client connects, sends
one line and waits for it to come back in capitals. Nothing blocks: while
a task waits for bytes, the loop runs the others.

In the recording the network is simulated in virtual time. Connecting
takes one round trip (2 x 25 ms of latency); a message lands 25 ms after
it is sent, plus its size divided by the bandwidth (1 MB/s). Watch the
loop's timers: every `Socket.data_arrives()` is a message in flight, due
when it lands, and the idle loop sleeps until then. The three
conversations overlap, so all of them together take about as long as one.
Record it again with `--latency 0.2` or `--bandwidth 100` and see which
part of the time grows.
"""

import asyncio
import time

HOST, PORT = "127.0.0.1", 8888
START = time.monotonic()


def elapsed():
    return f"t={time.monotonic() - START:.3f}s"


async def handle(reader, writer):
    port = writer.get_extra_info("peername")[1]
    asyncio.current_task().set_name(f"handler-{port}")
    line = await reader.readline()
    print(f"server: {line!r} from port {port} at {elapsed()}")
    writer.write(line.upper())
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(message):
    reader, writer = await asyncio.open_connection(HOST, PORT)
    print(f"{message}: connected at {elapsed()}")
    writer.write(message.encode() + b"\n")
    await writer.drain()
    reply = (await reader.readline()).decode().strip()
    print(f"{message}: got {reply!r} back at {elapsed()}")
    writer.close()
    await writer.wait_closed()
    return reply


async def main():
    server = await asyncio.start_server(handle, HOST, PORT)
    async with server:
        clients = [asyncio.create_task(client(m), name=m) for m in ("ann", "bob", "cy")]
        replies = await asyncio.gather(*clients)
    print(f"all done at {elapsed()}")
    return replies


if __name__ == "__main__":
    asyncio.run(main())
