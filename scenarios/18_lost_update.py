"""Lost updates: two threads, one counter, no lock

An update is several instructions: load the counter, add one, store it. A
thread switched out between its load and its store later stores a stale
value over the other thread's updates, and those are lost. CPython 3.11-3.13
switch threads only where they check for it: a function's start, each turn
of a loop, after a call. Part 1, `counter += 1`, has no such point inside and
loses nothing, here and under `python`. Part 2 reads, calls a function, then
writes: the call is a switch point, and updates are lost (plain `python`
nearly always loses thousands too). Part 3 holds a Lock: every update counts.

Step to a part-2 thread's preemption to see the instruction it stopped before;
with `--preempt any` a switch may fall between any two instructions, as the
language permits (free-threaded builds can), and part 1 loses updates too.
"""

import threading

ROUNDS = 200_000
counter = 0
lock = threading.Lock()


def count_in_one_statement():
    global counter
    for _ in range(ROUNDS):
        counter += 1


def pause():
    pass  # does nothing, but a call is a place where CPython may switch threads


def count_with_a_call_between():
    global counter
    for _ in range(ROUNDS):
        seen = counter
        pause()
        counter = seen + 1


def count_under_a_lock():
    global counter
    for _ in range(ROUNDS):
        with lock:
            seen = counter
            pause()
            counter = seen + 1


def run_twice(job):
    global counter
    counter = 0
    threads = [threading.Thread(target=job, name=f"{job.__name__}-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counter


def main():
    parts = [("counter += 1", count_in_one_statement), ("read, call, write", count_with_a_call_between)]
    for label, job in [*parts, ("the same, locked", count_under_a_lock)]:
        total = run_twice(job)
        print(f"{label:18} {total:,} of {2 * ROUNDS:,} ({2 * ROUNDS - total:,} updates lost)")


if __name__ == "__main__":
    main()
