"""A producer thread that logs every item it makes, for 0.1 s: how much does a log call cost?

Almost all of its CPU time is spent in the standard library's Python code
(`logging`, `queue`, `threading`), the part of the CPU model that the
bytecode counter would miss if it counted only the program's own code.
"""

import logging
import os
import queue
import threading
import time

logging.basicConfig(level=logging.INFO, format="%(threadName)s %(message)s", stream=open(os.devnull, "w"))  # noqa: SIM115 (open for the whole run)
log = logging.getLogger("producer")
items: queue.Queue[int] = queue.Queue()
made = 0


def producer(stop: threading.Event) -> None:
    global made
    while not stop.is_set():
        made += 1
        log.info("made item %d", made)
        items.put(made)


stop = threading.Event()
worker = threading.Thread(target=producer, args=(stop,))
worker.start()
time.sleep(0.1)
stop.set()
worker.join()
print(f"made {made} items in 0.1 s")
