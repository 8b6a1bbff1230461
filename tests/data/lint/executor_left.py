"""An executor never shut down: only the interpreter's exit stops its worker."""

from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(max_workers=2)
print(pool.submit(pow, 2, 3).result())
