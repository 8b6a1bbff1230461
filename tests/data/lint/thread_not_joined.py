"""Threads outlive the main program: one the interpreter waits for at exit, one daemon it kills."""

import threading
import time


def work():
    time.sleep(0.5)


threading.Thread(target=work, name="slow").start()
threading.Thread(target=work, name="demon", daemon=True).start()
time.sleep(0.1)
