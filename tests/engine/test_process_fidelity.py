"""multiprocessing's processes look and behave as CPython's: names, reprs, signals, pickled functions."""

from __future__ import annotations

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
    trace = record_source(PROCESS_FACE)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(PROCESS_FACE)


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
    trace = record_source(EXECUTOR_QUEUE)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(EXECUTOR_QUEUE)
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
    trace = record_source(LAZY_IMAP)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(LAZY_IMAP)
