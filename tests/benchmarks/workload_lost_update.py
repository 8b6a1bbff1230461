"""Lost updates, small: two threads, one counter, read, call, write

Goal: make the assert fail.

The bundled lesson 18 in miniature (three updates a thread, not 200,000, so a
search records it in a fraction of a second): a thread switched out at the
call between its read and its write stores a stale value over the other's
updates. The default schedule loses nothing; bench_explore.py measures how
soon each strategy finds a schedule that does.
"""

import threading

counter = 0


def pause():
    pass  # does nothing, but a call is a place where CPython may switch threads


def work():
    global counter
    for _ in range(3):
        seen = counter
        pause()
        counter = seen + 1


def main():
    threads = [threading.Thread(target=work, name=f"counter-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter == 6, f"lost {6 - counter} updates"


if __name__ == "__main__":
    main()
