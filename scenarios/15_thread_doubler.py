"""Threads: one process, shared globals

The same doubler as the process lesson, run by `threading.Thread`s instead.
Threads live inside one process: they all print the same process id, they
see and change the same global counter, and `threading.current_thread()`
tells them apart by name.

Only one thread runs Python code at a time (the GIL). Here each thread's
work is tiny, so each one finishes before the next even starts: watch the
MainThread block in start() until the new thread is up, and find that by
the time it calls join() every thread is already done, so join() returns
at once.
"""

import os
import threading

doubled = 0


def doubler(number):
    global doubled
    doubled += 1
    name = threading.current_thread().name
    print(f"{number} doubled to {number * 2} by {name} in process {os.getpid()}")


def main():
    threads = []
    for number in [5, 10, 15, 20, 25]:
        thread = threading.Thread(target=doubler, args=(number,), name=f"doubler-{number}")
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join()
    print(f"all threads share one counter: doubled = {doubled}")
    return doubled


if __name__ == "__main__":
    main()
