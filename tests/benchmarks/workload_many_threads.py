"""Benchmark workload: 20,000 threads started, then joined; each does a little work and a short sleep."""

import threading
import time

results = []


def f(i):
    total = sum(range(10))
    time.sleep(0.001)
    results.append(total + i)


threads = [threading.Thread(target=f, args=(i,)) for i in range(20_000)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(results), sum(results))
