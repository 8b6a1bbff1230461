"""The recorded program ends as CPython's interpreter ends it, and what it writes then is kept.

After the main module returns (or raises, or calls sys.exit), CPython joins
non-daemon threads and runs executors' exit hooks, then the atexit handlers
(the last registered first), then drops the main module's globals, running
`__del__` methods and warning about coroutines never awaited. Each program
here is also run under plain `python`, whose output is the oracle.
"""

from __future__ import annotations

import pytest
from conftest import recorded_and_plain, run_with_python, without_addresses

pytestmark = pytest.mark.slow  # every test records a program in its own process

EXIT_ORDER = """
    import atexit, threading, time

    SEEN_AT_EXIT = "every global is still there"

    class Noisy:
        def __init__(self, name):
            self.name = name

        def __del__(self):
            print("del", self.name, SEEN_AT_EXIT, time.monotonic() >= 0)

    first = Noisy("first")
    _private = Noisy("_private")
    last = Noisy("last")

    async def forgotten():
        pass

    pending = forgotten()
    atexit.register(lambda: print("atexit registered first, runs last"))

    def failing():
        raise ValueError("from an atexit handler")

    atexit.register(failing)
    atexit.register(print, "atexit registered last, runs first")

    def slow():
        time.sleep(0.2)
        print("the non-daemon thread finishes before any atexit handler")

    threading.Thread(target=slow).start()
    print("main module done")
"""


def test_threads_then_atexit_then_globals_as_cpython_orders_them(record_source, tmp_path) -> None:
    trace, plain = recorded_and_plain(record_source, tmp_path, EXIT_ORDER)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert plain.returncode == 0
    assert trace.summary["stdout"] == plain.stdout
    assert without_addresses(trace.summary["stderr"]) == without_addresses(plain.stderr)
    assert "never awaited" in trace.summary["stderr"] and "from an atexit handler" in trace.summary["stderr"]


EXECUTORS_LEFT_OPEN = """
    import atexit, multiprocessing, time
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    def square(n):
        time.sleep(0.1 * (n + 1))  # results 50+ ms apart: the order is CPython's on every run
        return n * n

    def report(future):
        print("done", future.result())

    if __name__ == "__main__":
        atexit.register(print, "atexit runs once the executors' work is done")
        pool = multiprocessing.Pool(2)
        print(pool.apply_async(abs, (-5,)).get())
        processes = ProcessPoolExecutor(2)
        for n in range(4):
            processes.submit(square, n).add_done_callback(report)
        threads = ThreadPoolExecutor(2)
        threads.submit(time.sleep, 1).add_done_callback(lambda f: print("thread work done"))
        print("main module done")
"""


def test_executors_never_shut_down_finish_their_work_at_exit(record_source, python_output) -> None:
    trace = record_source(EXECUTORS_LEFT_OPEN)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(EXECUTORS_LEFT_OPEN)


CHILD_ATEXIT = """
    import atexit, multiprocessing

    def child():
        atexit.register(print, "the child's own handler (3.13 runs it as the child ends)")
        print("child ran")

    def init():
        atexit.register(print, "a pool worker's own handler")

    if __name__ == "__main__":
        atexit.register(print, "the main program's handler, once")
        worker = multiprocessing.Process(target=child)
        worker.start()
        worker.join()
        pool = multiprocessing.Pool(1, initializer=init)
        print(pool.apply(abs, (-3,)))
        pool.close()
        pool.join()
        print("main done")
"""


def test_atexit_handlers_of_child_processes_are_theirs(record_source, python_output) -> None:
    """A forked child never runs the parent's handlers; its own run as it ends on 3.13 only."""
    trace = record_source(CHILD_ATEXIT)
    assert trace.summary["outcome"] == "completed", trace.summary
    lines = python_output(CHILD_ATEXIT)
    assert trace.summary["stdout"].splitlines() == lines
    assert lines.count("the main program's handler, once") == 1


@pytest.mark.parametrize("ending", ["sys.exit(3)", "raise KeyError('boom')"])
def test_exit_and_failure_finalize_too(ending: str, record_source, tmp_path) -> None:
    source = f"""
        import atexit, sys

        class Noisy:
            def __del__(self):
                print("del at exit")

        keep = Noisy()
        atexit.register(print, "atexit ran")
        print("before the end")
        {ending}
    """
    trace = record_source(source)
    plain = run_with_python(tmp_path / "scenario.py")
    assert trace.summary["stdout"] == plain.stdout == "before the end\natexit ran\ndel at exit\n"
    assert trace.summary["outcome"] == "exception"
    assert trace.summary.get("exit_code", 1) == plain.returncode
