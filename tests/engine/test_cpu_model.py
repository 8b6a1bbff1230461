"""The CPU cost model: what costs virtual time, and where a thread can be switched out.

The program's own bytecode and the standard library's Python code it calls
cost `bytecode_cost` per instruction; a simulated lock operation and a
thread start cost what their C code costs CPython; the engine's own work
costs nothing. Threads are switched out only in the program's own code.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import instructions_run

from tui.engine.settings import Settings
from tui.engine.threads.kernel import LOCK_OP_COST, THREAD_START_COST

BYTECODE_COST = Settings().bytecode_cost


def printed(trace: Any) -> list[str]:
    return "".join(trace.summary["stdout"]).splitlines()


LIBRARY_WORK = """
import colorsys, threading, time

def convert(rounds):
    for _ in range(rounds):
        colorsys.rgb_to_hls(0.2, 0.4, 0.6)

def timed(rounds):
    started = time.perf_counter()
    convert(rounds)
    return time.perf_counter() - started

print(timed(2_000), timed(4_000))
"""


@pytest.mark.slow
def test_the_standard_librarys_python_code_costs_what_its_instructions_cost(record_source) -> None:
    trace = record_source(LIBRARY_WORK)
    small, large = (float(x) for x in printed(trace)[0].split())

    import colorsys

    def convert(rounds):
        for _ in range(rounds):
            colorsys.rgb_to_hls(0.2, 0.4, 0.6)

    expected = (instructions_run(convert, 2_000, callees=True) + 6) * BYTECODE_COST  # + timed()'s own few
    assert small == pytest.approx(expected, rel=0.02)
    assert large == pytest.approx(2 * small, rel=0.02)


@pytest.mark.slow
def test_a_lock_operation_costs_what_cpython_s_c_lock_does_and_the_engine_nothing(record_source) -> None:
    trace = record_source(
        """
        import threading, time

        lock = threading.Lock()

        def churn(rounds):
            for _ in range(rounds):
                lock.acquire()
                lock.release()

        def timed(rounds):
            started = time.perf_counter()
            churn(rounds)
            return time.perf_counter() - started

        print(timed(1_000), timed(2_000))
        """
    )
    small, large = (float(x) for x in printed(trace)[0].split())
    import threading

    lock = threading.Lock()

    def churn(rounds):
        for _ in range(rounds):
            lock.acquire()
            lock.release()

    bytecode = instructions_run(churn, 1_000, callees=True) * BYTECODE_COST
    assert small == pytest.approx(bytecode + 2_000 * LOCK_OP_COST, rel=0.02)
    assert large == pytest.approx(2 * small, rel=0.02)


@pytest.mark.slow
def test_starting_a_thread_costs_the_starter_time(record_source) -> None:
    trace = record_source(
        """
        import threading, time

        def nothing():
            pass

        started = time.perf_counter()
        threads = [threading.Thread(target=nothing) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(time.perf_counter() - started)
        """
    )
    elapsed = float(printed(trace)[0])
    assert 10 * THREAD_START_COST <= elapsed < 10 * THREAD_START_COST + 0.002


@pytest.mark.slow
def test_polling_as_completed_with_no_timeout_sees_time_pass(record_source, python_output) -> None:
    source = """
        import concurrent.futures as cf, time

        with cf.ThreadPoolExecutor(1) as pool:
            job = pool.submit(time.sleep, 0.01)
            polls = 0
            while True:
                try:
                    for done in cf.as_completed([job], timeout=0):
                        break
                    break
                except cf.TimeoutError:
                    polls += 1
        print("finished after", "some" if polls else "no", "polls:", job.done())
        """
    trace = record_source(source)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert printed(trace) == python_output(source) == ["finished after some polls: True"]


MAIN_WAKES = """
import threading, time

lock = threading.Lock()
stop = threading.Event()
taken = 0

def busy():
    global taken
    while not stop.is_set():
        with lock:  # every few instructions the thread is in the engine's lock code
            taken += 1

worker = threading.Thread(target=busy)
started = time.monotonic()
worker.start()
time.sleep(0.02)
late = time.monotonic() - started - 0.02
stop.set()
worker.join()
# CPython is ~11 ms late: a switch interval while the new thread holds the GIL
# after start(), another after the sleep ends. Never waking would be a hang.
print("main woke on time:", late < 0.05, taken > 0)
"""


@pytest.mark.slow
def test_a_thread_that_takes_a_lock_in_a_loop_still_reaches_the_end_of_its_switch_interval(
    record_source, python_output
) -> None:
    # The quantum runs on across the engine's lock calls: without that the busy
    # thread never dropped the GIL and the sleeper woke only once it was done.
    trace = record_source(MAIN_WAKES)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert printed(trace) == python_output(MAIN_WAKES) == ["main woke on time: True True"]
    preempted = [f for f in trace.frames() if f.get("stop") == "preempted"]
    assert preempted


@pytest.mark.slow
def test_a_thread_is_switched_out_only_in_the_programs_own_code(record_source) -> None:
    trace = record_source(
        """
        import colorsys, threading

        def convert():
            for _ in range(20_000):
                colorsys.rgb_to_hls(0.2, 0.4, 0.6)

        threads = [threading.Thread(target=convert) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        """,
        preempt="any",
    )
    assert trace.summary["outcome"] == "completed", trace.summary
    switched = [f for f in trace.frames() if f.get("stop") == "preempted"]
    assert len(switched) > 5
    # Lines 4-6 are convert()'s: every switch falls there, never inside colorsys.
    assert {f["op"]["line"] for f in switched} <= {4, 5, 6}
