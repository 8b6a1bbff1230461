"""Threads vs processes on CPU work: the GIL

The same four CPU-bound jobs run three ways: one after another, on a
ThreadPoolExecutor with four threads, and on a ProcessPoolExecutor with four
processes (four simulated cores). Threads must take turns holding the GIL,
switching every 5 ms, so four threads take about as long as doing the jobs
one by one. Processes each have their own GIL and run in parallel, so they
finish in about the time of one job, plus the cost of starting them.

For I/O-bound work (waiting on the network or the disk) threads are fine:
a thread that waits releases the GIL. The lesson is only about CPU.

The jobs are kept small so that the recording stays short to step
through. Under plain `python` the same numbers come out differently: a
real process takes tens of milliseconds to start, longer than these jobs,
so processes look slower there. Make the jobs a hundred times bigger and
the real machine agrees with the simulation (simulated processes start in
1 ms).
"""

import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

JOBS = [60_000] * 4


def crunch(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def timed(label, run):
    started = time.perf_counter()
    results = run()
    elapsed = time.perf_counter() - started
    print(f"{label:<12} {elapsed:.3f}s")
    return elapsed, results


def main():
    serial, expected = timed("one by one", lambda: [crunch(n) for n in JOBS])
    with ThreadPoolExecutor(max_workers=4) as pool:
        threads, by_threads = timed("4 threads", lambda: list(pool.map(crunch, JOBS)))
    with ProcessPoolExecutor(max_workers=4) as pool:
        processes, by_processes = timed("4 processes", lambda: list(pool.map(crunch, JOBS)))
    assert by_threads == by_processes == expected
    print(f"threads: {threads / serial:.1f}x the serial time, processes: {processes / serial:.2f}x")
    return round(threads / serial, 1), round(processes / serial, 2)


if __name__ == "__main__":
    main()
