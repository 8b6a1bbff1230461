"""`_thread`, its locks and `_queue.SimpleQueue` are simulated, and look like CPython's own.

A program that starts threads with `_thread.start_new_thread`, or uses the C
lock, RLock and SimpleQueue types directly, runs under the scheduler like one
using `threading`; what it can see of those types (names, reprs, argument
errors, pickling) is compared with plain `python` on the same CPython.
"""

from __future__ import annotations

import pytest
from conftest import recorded_and_plain, without_addresses

pytestmark = pytest.mark.slow  # every test records a program in its own process

THREAD_MODULE = """
    import _queue, _thread, pickle, queue, threading, time

    results = _queue.SimpleQueue()
    lock = _thread.allocate_lock()
    counter = [0]

    def worker(name, n, *, step=1):
        for _ in range(n):
            with lock:
                value = counter[0]
                time.sleep(0.001)  # the lock is held across a switch: no update may be lost
                counter[0] = value + step
        results.put((name, threading.current_thread().name.startswith("Dummy")))

    for i in range(3):
        _thread.start_new_thread(worker, (f"w{i}", 5), {"step": 2})
    print(sorted(results.get(timeout=5) for _ in range(3)), counter[0])
    started = time.monotonic()
    try:
        results.get(timeout=0.1)
    except queue.Empty:
        print("SimpleQueue.get gave up after", round(time.monotonic() - started, 1))
    rlock = _thread.RLock()

    def nested():
        with rlock:
            with rlock:
                results.put(rlock._recursion_count())

    _thread.start_new_thread(nested, ())
    print("recursion", results.get())
    for bad in [(1, ()), (print, []), (print, (), []), (print,)]:
        try:
            _thread.start_new_thread(*bad)
        except TypeError as exc:
            print("TypeError:", exc)
    print(isinstance(threading.Lock(), _thread.LockType), type(threading.RLock()) is _thread.RLock)
    print(type(results), queue.SimpleQueue is _queue.SimpleQueue, repr(results).split(" at ")[0])
    for obj in (results, rlock, lock):
        try:
            pickle.dumps(obj)
        except TypeError as exc:
            print(exc)
"""


def test_threads_of_the_thread_module_are_scheduled_and_its_types_are_the_c_ones(record_source, python_output) -> None:
    trace = record_source(THREAD_MODULE)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(THREAD_MODULE)
    # The workers are actors of the simulation, not real threads running beside it.
    names = {actor.name for actor in trace.state_at(len(trace) - 1).actors.values()}
    assert {"worker", "nested"} <= names, names
    assert trace.summary["virtual_time"] < 1


LOCK_FACE = """
    import pickle, threading

    lock = threading.Lock()
    print(type(lock), type(lock).__module__, type(lock).__qualname__)
    print(repr(lock).split(" at ")[0])
    lock.acquire()
    print(repr(lock).split(" at ")[0], threading.TIMEOUT_MAX)
    for timeout in (1e10, 10**10, float("inf"), float("nan"), -1.5, "1"):
        try:
            print(timeout, lock.acquire(timeout=timeout))
        except (OverflowError, ValueError, TypeError) as exc:
            print(timeout, type(exc).__name__, exc)
    for blocking in (2, "x", None, 0):
        try:
            print(blocking, lock.acquire(blocking, 0))
        except (ValueError, TypeError) as exc:
            print(blocking, type(exc).__name__, exc)
    print(lock.acquire(False), lock.acquire(timeout=0), lock.locked_lock(), lock.acquire_lock(0))
    lock.release_lock()
    try:
        lock.release()
    except RuntimeError as exc:
        print("RuntimeError", exc)
    try:
        print("made", type(type(lock)()))
    except TypeError as exc:
        print("TypeError", exc)
    try:
        pickle.dumps(lock)
    except TypeError as exc:
        print("TypeError", exc)

    print(threading._CRLock is not None, type(threading.RLock()))
    rlock = threading.RLock()
    print(repr(rlock).split(" at ")[0])
    print(rlock.acquire(), rlock.acquire(blocking=False), rlock._recursion_count(), rlock._is_owned())
    print(repr(rlock).split(" at ")[0].replace(str(threading.get_ident()), "ME"))
    saved = rlock._release_save()
    print(saved[0], saved[1] == threading.get_ident(), rlock._is_owned())
    rlock._acquire_restore(saved)
    rlock.release()
    rlock.release()
    for call in (rlock.release, rlock._release_save, lambda: rlock.acquire(False, 1)):
        try:
            call()
        except (RuntimeError, ValueError) as exc:
            print(type(exc).__name__, exc)
    cond = threading.Condition()
    with cond:
        print("Condition on the C RLock waits", cond.wait(0.05))
"""


def test_threading_locks_look_and_check_their_arguments_as_cpythons_do(record_source, python_output) -> None:
    trace = record_source(LOCK_FACE)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(LOCK_FACE)


CRASHING_THREAD = """
    import _thread, time

    def boom(n):
        raise ValueError(f"bad {n}")

    _thread.start_new_thread(boom, (1,))
    time.sleep(0.1)
    print("main goes on")
"""


def test_an_error_in_a_thread_module_thread_is_reported_as_cpython_reports_it(record_source, tmp_path) -> None:
    trace, plain = recorded_and_plain(record_source, tmp_path, CRASHING_THREAD)
    assert trace.summary["outcome"] == "completed", trace.summary
    stderr = trace.summary["stderr"]
    assert plain.returncode == 0 and plain.stdout == trace.summary["stdout"]
    assert without_addresses(stderr) == without_addresses(plain.stderr)
    assert "ValueError: bad 1" in stderr


FORKED_LOCKS = """
    import multiprocessing, threading

    lock = threading.Lock()
    rlock = threading.RLock()

    def child():
        # fork copies the locks: the child's are its own, in the state they were in,
        # so what it does to them leaves the parent's alone.
        print("child", lock.locked(), rlock.acquire(timeout=0.1))
        lock.release()
        print("child released", lock.locked())

    if __name__ == "__main__":
        multiprocessing.set_start_method("fork")
        lock.acquire()
        worker = multiprocessing.Process(target=child)
        worker.start()
        worker.join()
        print("parent", lock.locked(), rlock.acquire(blocking=False))
"""


def test_fork_copies_threading_locks_into_the_child(record_source, python_output) -> None:
    trace = record_source(FORKED_LOCKS)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(FORKED_LOCKS)
