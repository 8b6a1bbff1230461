"""Benchmark workload: CPU-bound Python code in four threads (1,000,000 loop iterations each).

Every bytecode of this loop is the program's own, so the recording counts all
of them: this is what a CPU-bound lesson or program costs to record.
"""

import threading

ITERATIONS = 1_000_000
THREADS = 4
results: list[int] = []


def crunch() -> None:
    total = 0
    for i in range(ITERATIONS):
        total += i % 7
    results.append(total)


def main() -> int:
    threads = [threading.Thread(target=crunch) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(results)


if __name__ == "__main__":
    print(main())
