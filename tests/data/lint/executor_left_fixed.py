"""An executor in a with block: shut down where the block ends."""

from concurrent.futures import ThreadPoolExecutor

with ThreadPoolExecutor(max_workers=2) as pool:
    print(pool.submit(pow, 2, 3).result())
