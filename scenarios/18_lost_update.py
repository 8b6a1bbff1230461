"""Lost updates: two threads, no lock

`counter += 1` looks like one step, but Python runs it as several bytecode
instructions: load the counter, add one, store it back. Threads take turns
holding the GIL, and a switch can fall between the load and the store. Then
the other thread runs, loads the *old* value, adds its own ones and stores
them; when the first thread resumes, it stores its stale result on top and
the other thread's increments are lost.

Step to a frame where a counter thread was preempted: the tasks panel shows
its line's bytecode with the instruction it stopped before. Part 1 loses
updates; part 2 does the same work holding a `threading.Lock` around the
increment, and every single update counts. (The simulation may switch
between any two instructions; CPython 3.11 itself only switches at loop
jumps and calls, which makes this race rarer there, but the lesson is the
same: shared state needs a lock.)
"""

import threading

ROUNDS = 200_000
counter = 0
lock = threading.Lock()


def count_unsafely():
    global counter
    for _ in range(ROUNDS):
        counter += 1


def count_safely():
    global counter
    for _ in range(ROUNDS):
        with lock:
            counter += 1


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
    unsafe = run_twice(count_unsafely)
    print(f"without a lock: {unsafe:,} of {2 * ROUNDS:,} ({2 * ROUNDS - unsafe:,} updates lost)")
    safe = run_twice(count_safely)
    print(f"with a lock:    {safe:,} of {2 * ROUNDS:,}")
    return unsafe, safe


if __name__ == "__main__":
    main()
