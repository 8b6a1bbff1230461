"""Benchmark workload: threads handing items to each other through small queues.

Four producer/consumer pairs pass items through queue.Queue(maxsize=1), so
nearly every item is a thread switch (a blocked put or get hands the GIL
on), with a little CPU work and a shared lock on the consumer side.
"""

import queue
import threading

PAIRS = 4
ITEMS = 5000

lock = threading.Lock()
total = 0


def produce(channel: queue.Queue) -> None:
    for item in range(ITEMS):
        channel.put(item)
    channel.put(None)


def consume(channel: queue.Queue) -> None:
    global total
    while (item := channel.get()) is not None:
        with lock:
            total += item


def main() -> int:
    threads = []
    for pair in range(PAIRS):
        channel: queue.Queue = queue.Queue(maxsize=1)
        threads.append(threading.Thread(target=produce, args=(channel,), name=f"producer-{pair}"))
        threads.append(threading.Thread(target=consume, args=(channel,), name=f"consumer-{pair}"))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total


if __name__ == "__main__":
    print(main())
