"""multiprocessing's processes look and behave as CPython's: names, reprs, signals, pickled functions."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # every test records a program in its own process


def recorded_like_python(record_source, python_output, source: str):
    """Record `source`: it must complete and print what plain `python` prints. Returns the trace."""
    trace = record_source(source)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(source)
    return trace


PROCESS_FACE = """
    import multiprocessing, os, pickle, signal, time

    class Consumer(multiprocessing.Process):
        def run(self):
            time.sleep(0.2)

    def idle():
        time.sleep(5)

    if __name__ == "__main__":
        me = str(os.getpid())
        consumer = Consumer()
        print(consumer.name, type(consumer).__name__, repr(consumer).replace(me, "PID"))
        consumer.start()
        shown = repr(consumer).replace(me, "PID").replace(str(consumer.pid), "CHILD")
        print(shown)
        consumer.join()
        print(repr(consumer).replace(me, "PID").replace(str(consumer.pid), "CHILD"), consumer.exitcode)
        plain = multiprocessing.Process(target=idle, name="sleeper", daemon=True)
        print(plain.name, repr(plain).replace(me, "PID"))
        plain.start()
        plain.terminate()
        print("right after terminate:", plain.is_alive(), plain.exitcode)
        plain.join()
        print(plain.is_alive(), plain.exitcode == -signal.SIGTERM)
        print(repr(plain).replace(me, "PID").replace(str(plain.pid), "CHILD"))
        print(multiprocessing.Process().name)
        with multiprocessing.Pool(2) as pool:
            print("slept in a worker:", pool.apply_async(time.sleep, (0.1,)).get())
        print(pickle.loads(pickle.dumps(time.sleep)) is time.sleep)
        print(pickle.loads(pickle.dumps(os.urandom)) is os.urandom)
"""


def test_processes_are_named_and_shown_as_cpython_shows_them(record_source, python_output) -> None:
    recorded_like_python(record_source, python_output, PROCESS_FACE)


EXECUTOR_QUEUE = """
    import time
    from concurrent.futures import ProcessPoolExecutor

    def slow(n):
        time.sleep(0.2)
        return n

    def bad_init():
        raise ValueError("no init")

    if __name__ == "__main__":
        with ProcessPoolExecutor(1) as executor:
            futures = [executor.submit(slow, i) for i in range(8)]
            time.sleep(0.05)
            # One worker: the first calls are handed to it, the rest wait, pending, and can be cancelled.
            print(futures[0].running(), [f.running() for f in futures[3:]], [f.cancel() for f in futures[3:]])
            print([f.result() for f in futures if not f.cancelled()][:2])
        with ProcessPoolExecutor(1) as executor:
            futures = [executor.submit(slow, i) for i in range(6)]
            time.sleep(0.05)
            executor.shutdown(cancel_futures=True)
            print([f.cancelled() for f in futures[3:]], futures[0].result())
        broken = ProcessPoolExecutor(2, initializer=bad_init)
        future = broken.submit(slow, 1)
        for attempt in (future.result, lambda: broken.submit(slow, 2)):
            try:
                attempt()
            except Exception as exc:
                print(type(exc).__name__, exc)
        broken.shutdown()
"""


def test_executor_calls_wait_pending_and_a_failed_initializer_breaks_the_pool(record_source, python_output) -> None:
    trace = recorded_like_python(record_source, python_output, EXECUTOR_QUEUE)
    assert "Exception in initializer:" in trace.summary["stderr"]
    assert "simprocess" not in trace.summary["stderr"]  # no frame of the engine's in the program's log


LAZY_IMAP = """
    import multiprocessing, time

    def work(n):
        time.sleep(0.05 * n)
        if n == 3:
            raise ValueError(f"bad item {n}")
        return n * 10

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            results = pool.imap(work, range(6))
            print(type(results).__name__)
            try:
                for value in results:
                    print("got", value)  # the items before the failing one arrive first
            except ValueError as exc:
                print("raised", exc)
            print(sorted(pool.imap_unordered(abs, range(-7, 0), chunksize=3)))
            print(list(pool.imap(abs, range(-7, 0), chunksize=3)), next(pool.imap(abs, iter([-5, -6]))))
"""


def test_pool_imap_hands_out_results_as_they_come_and_raises_at_the_failing_item(record_source, python_output) -> None:
    recorded_like_python(record_source, python_output, LAZY_IMAP)


QUEUE_PIPE = """
    import multiprocessing as mp

    def put(q, size):
        q.put("x" * size)

    if __name__ == "__main__":
        for size in (1_000, 100_000):
            q = mp.Queue()
            child = mp.Process(target=put, args=(q, size))
            child.start()
            child.join(timeout=1)
            # A child cannot end before its queue's feeder thread has written all it put
            # into the pipe, which holds 64 KiB: the big one is still alive.
            print(size, "alive after join(1):", child.is_alive())
            print(len(q.get()))
            child.join()
            print("exit code", child.exitcode)
"""


def test_a_child_cannot_exit_before_what_it_put_in_a_queue_fits_in_the_pipe(record_source, python_output) -> None:
    trace = recorded_like_python(record_source, python_output, QUEUE_PIPE)
    assert trace.summary["virtual_time"] > 1  # the big child's join(timeout=1) ran out


def test_joining_a_child_before_draining_its_queue_is_reported_as_a_deadlock(record_source) -> None:
    # Under plain python this program hangs for ever (the documented multiprocessing pitfall).
    trace = record_source(
        """
        import multiprocessing as mp

        def put(q):
            q.put("x" * 100_000)

        if __name__ == "__main__":
            q = mp.Queue()
            child = mp.Process(target=put, args=(q,))
            child.start()
            child.join()
            print(len(q.get()))
        """
    )
    summary = trace.summary
    assert summary["outcome"] == "deadlock", summary
    # The parent waits for the child to end; the child waits for its feeder, which waits for a reader.
    waits = sorted(w["wait"] for w in summary["report"]["waits"])
    assert len(waits) == 2
    assert waits[0].startswith("waits for its multiprocessing.Queue feeder to write 34,4")
    assert waits[1] == "waits for process Process-1 (pid 4101) to finish"


def test_cancel_join_thread_lets_a_child_exit_and_loses_what_was_not_written(record_source) -> None:
    # Under plain python what survives is a race (the feeder may not have written anything
    # yet, or half a message); here the rule is fixed: what the pipe took survives, the rest
    # of the feeder's buffer is lost.
    source = """
        import multiprocessing as mp, queue

        def put(q):
            q.cancel_join_thread()
            for _ in range(4):
                q.put("x" * 30_000)  # the pipe takes two and a part of the third

        if __name__ == "__main__":
            q = mp.Queue()
            child = mp.Process(target=put, args=(q,))
            child.start()
            child.join()
            got = 0
            try:
                while True:
                    q.get(timeout=0.5)
                    got += 1
            except queue.Empty:
                pass
            print("exit code", child.exitcode, "got", got)
    """
    trace = record_source(source)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == ["exit code 0 got 3"]


WORKER_DIES = """
    import os
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    def work(n):
        if n == 2:
            os._exit(1)
        return n

    def leave(n):
        raise SystemExit(n)

    if __name__ == "__main__":
        with ProcessPoolExecutor(2) as pool:
            print("SystemExit comes back:", repr(pool.submit(leave, 3).exception()))
        with ProcessPoolExecutor(2) as pool:
            future = pool.submit(work, 2)
            try:
                future.result()
            except BrokenProcessPool as exc:
                print("broken:", exc)
            try:
                pool.submit(work, 1)
            except BrokenProcessPool as exc:
                print("submit:", exc)
"""


def test_a_worker_that_dies_breaks_the_executor_and_only_its_process_ends(record_source, python_output) -> None:
    recorded_like_python(record_source, python_output, WORKER_DIES)


MANAGER = """
    import multiprocessing as mp


    def bump(d, lock, n):
        for _ in range(n):
            with lock:
                d["safe"] = d["safe"] + 1


    def inc(ns, values):
        ns.count = ns.count + 1
        values.append(ns.count)


    if __name__ == "__main__":
        with mp.Manager() as manager:
            d = manager.dict(safe=0)
            lock = manager.Lock()
            workers = [mp.Process(target=bump, args=(d, lock, 50)) for _ in range(3)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            print("safe", d["safe"], workers[0].name)
            print(type(d).__name__, repr(d).split(" at ")[0], str(d))
            print(sorted(d.keys()), list(d.items()), len(d), "safe" in d, list(d))
            lst = manager.list([1, 2])
            lst.append([3])
            lst[2].append(4)
            print(lst, len(lst), lst[-1], type(lst._getvalue()).__name__)
            lst += [5]
            print(lst)
            ns = manager.Namespace(count=0)
            values = manager.list()
            p = mp.Process(target=inc, args=(ns, values))
            p.start(); p.join()
            print(ns, ns.count, values)
            v = manager.Value("i", 7)
            v.value += 1
            print(v.value, repr(v).split(" at ")[0])
            q = manager.Queue()
            q.put({"a": 1})
            print(q.get(), q.qsize(), q.empty())
            try:
                d["missing"]
            except KeyError as exc:
                print("KeyError", exc)
"""


def test_manager_proxies_share_copies_through_the_manager_as_cpython(record_source, python_output) -> None:
    trace = recorded_like_python(record_source, python_output, MANAGER)
    # Each proxy call is a round trip to the manager, and waiting for it is said.
    waits = {f["wait"] for f in trace.frames() if f.get("wait", "").startswith("waits for the manager")}
    assert "waits for the manager to answer DictProxy.__getitem__()" in waits


MANAGER_RACE = """
    import multiprocessing as mp


    def bump(d, n):
        for _ in range(n):
            d["count"] = d["count"] + 1


    if __name__ == "__main__":
        with mp.Manager() as manager:
            d = manager.dict(count=0)
            workers = [mp.Process(target=bump, args=(d, 1000)) for _ in range(3)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            print("lost updates:", d["count"] < 3000, d["count"])
"""


def test_get_then_set_through_a_manager_dict_loses_updates_as_under_cpython(record_source, python_output) -> None:
    trace = record_source(MANAGER_RACE)
    assert trace.summary["outcome"] == "completed", trace.summary
    recorded = trace.summary["stdout"].split()
    plain = python_output(MANAGER_RACE)[0].split()
    assert recorded[:3] == plain[:3] == ["lost", "updates:", "True"]


MANAGER_SYNC = """
    import multiprocessing as mp
    import threading


    def waiter(cond, ev, barrier, box):
        with cond:
            cond.wait_for(lambda: box.value > 0, timeout=5)
        ev.set()
        barrier.wait()


    if __name__ == "__main__":
        with mp.Manager() as m:
            cond, ev, box = m.Condition(), m.Event(), m.Value("i", 0)
            barrier = m.Barrier(2)
            p = mp.Process(target=waiter, args=(cond, ev, barrier, box))
            p.start()
            with cond:
                box.value = 1
                cond.notify_all()
            print("event:", ev.wait(5), "parties:", barrier.parties)
            barrier.wait()
            p.join()
            print("exit", p.exitcode, barrier.n_waiting, barrier.broken)
            sem = m.BoundedSemaphore(1)
            with sem:
                pass
            try:
                sem.release()
            except ValueError as exc:
                print("ValueError", exc)
"""


def test_manager_condition_event_barrier_and_semaphore_proxies(record_source, python_output) -> None:
    recorded_like_python(record_source, python_output, MANAGER_SYNC)


MANAGER_EDGES = """
    import multiprocessing as mp

    if __name__ == "__main__":
        with mp.Manager() as manager:
            ns = manager.Namespace(a=1, a1=2)
            arr = manager.Array("i", [1, 2, 3])
            print(ns, arr[0:2], len(arr))
            try:
                arr[0] = 1.5
            except TypeError as exc:
                print("TypeError")
            d = manager.dict()
        try:
            d["x"] = 1
        except OSError as exc:
            print("after shutdown:", type(exc).__name__)
        try:
            manager.start()
        except mp.ProcessError as exc:
            print("ProcessError", exc)
        q = mp.Queue()
        try:
            q.join_thread()
        except AssertionError:
            print("join_thread before close: AssertionError")
"""


def test_manager_after_shutdown_arrays_namespaces_and_join_thread_as_cpython(record_source, python_output) -> None:
    recorded_like_python(record_source, python_output, MANAGER_EDGES)
