"""Pool.map: CPU work spread over processes

`multiprocessing.Pool(4)` starts four worker processes. `pool.map(f, items)`
pickles chunks of the items, sends them to the workers through a task queue,
runs `f` on each item in a worker, and pickles the results back, in order.

The work here is pure CPU (summing squares), so the GIL of one process would
make threads take turns; four processes run on four simulated cores at once.
Watch the workers run side by side in the timeline (press v for time), and
the result-handler thread in the parent collecting what they send back.
"""

import time
from multiprocessing import Pool


def sum_of_squares(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def main():
    sizes = [40_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000, 40_000]
    started = time.perf_counter()
    with Pool(4) as pool:
        results = pool.map(sum_of_squares, sizes)
    elapsed = time.perf_counter() - started
    print(f"{len(results)} sums in {elapsed:.3f}s of virtual time")
    return results[0]


if __name__ == "__main__":
    main()
