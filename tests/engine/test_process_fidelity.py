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
