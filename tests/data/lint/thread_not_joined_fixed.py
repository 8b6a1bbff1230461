"""The main program joins its threads before it ends."""

import threading
import time


def work():
    time.sleep(0.5)


threads = [threading.Thread(target=work, name="slow"), threading.Thread(target=work, name="demon", daemon=True)]
for thread in threads:
    thread.start()
time.sleep(0.1)
for thread in threads:
    thread.join()
