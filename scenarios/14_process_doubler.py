"""Processes: own pid, own copy of the globals

`multiprocessing.Process` starts a new process that runs `target(*args)`.
Each one has its own process id, prints it, and counts how many numbers *it*
doubled in a global. On Linux a child starts as a copy of its parent (fork),
so every child sees the counter as the parent left it, changes only its own
copy, and the parent's counter never moves: processes share nothing unless
you send it through a Queue, a Pipe or shared memory.

Step through: each start() costs the parent a moment, each child starts a
little later on its own clock, and join() waits for a child to exit.
"""

import os
from multiprocessing import Process

doubled = 0


def doubler(number):
    global doubled
    doubled += 1
    result = number * 2
    print(f"{number} doubled to {result} by process id {os.getpid()} (it has doubled {doubled})")


def main():
    numbers = [5, 10, 15, 20, 25]
    procs = []
    for number in numbers:
        proc = Process(target=doubler, args=(number,))
        procs.append(proc)
        proc.start()
    for proc in procs:
        proc.join()
    print(f"the parent ({os.getpid()}) still has doubled = {doubled}")
    return [proc.exitcode for proc in procs]


if __name__ == "__main__":
    main()
