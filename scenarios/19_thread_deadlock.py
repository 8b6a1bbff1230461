"""Deadlock between threads: opposite lock order

The asyncio deadlock lesson again, with real threads and `threading.Lock`:
`teller` moves money from checking to savings, `auditor` from savings to
checking. Each takes its first lock, sleeps a moment, then blocks on the
lock the other one holds. Neither can go on, and MainThread waits in join()
for ever.

Step to the end: the recording stops with outcome "deadlock" and the lesson
panel draws the cycle of who waits for whom. Under plain `python` this
program simply hangs.
"""

import threading
import time

checking = threading.Lock()
savings = threading.Lock()


def transfer(first, second):
    with first:
        time.sleep(0.1)
        with second:
            print(threading.current_thread().name, "moved the money")


def main():
    teller = threading.Thread(target=transfer, args=(checking, savings), name="teller")
    auditor = threading.Thread(target=transfer, args=(savings, checking), name="auditor")
    teller.start()
    auditor.start()
    teller.join()
    auditor.join()


if __name__ == "__main__":
    main()
