"""Simulated processes: pids, exit codes, fork-copied memory, pickling, Pool and IPC, cores, and their frames.

Every program here is recorded through the real recording process (`record_source`);
what is asserted is what the program printed and what its frames say.
"""

from __future__ import annotations

import ast
from itertools import pairwise
from typing import Any

import pytest

from tui.engine.settings import Settings
from tui.trace.model import Trace

pytestmark = pytest.mark.slow  # every test records a program in its own process

BYTECODE_COST = Settings().bytecode_cost
"""What one instruction costs by default (the CPU model's calibrated figure)."""


def definitions(trace: Trace) -> list[dict[str, Any]]:
    return [d for f in trace.frames() for d in f.get("new", ())]


def process_definitions(trace: Trace) -> dict[str, dict[str, Any]]:
    """Process name -> its definition."""
    return {d["name"]: d for d in definitions(trace) if "proc" in d and "thread" not in d}


def thread_definitions(trace: Trace) -> list[dict[str, Any]]:
    return [d for d in definitions(trace) if "thread" in d]


def printed(trace: Trace) -> list[str]:
    return trace.summary["stdout"].splitlines()


def values(trace: Trace, label: str) -> Any:
    """The Python literal printed after `label ` on its own line."""
    for line in printed(trace):
        if line.startswith(label + " "):
            return ast.literal_eval(line[len(label) + 1 :])
    raise AssertionError(f"nothing printed as {label!r}: {printed(trace)}")


def running_at_once(trace: Trace, threads: set[str]) -> int:
    """The most of these threads' CPU slices that overlap in virtual time."""
    edges = sorted(
        (when, step)
        for f in trace.frames()
        if f["a"] in threads and f.get("cpu")
        for when, step in ((f["t"] + 1e-9, 1), (f["t"] + f["d"] - 1e-9, -1))
    )
    most = now = 0
    for _when, step in edges:
        now += step
        most = max(most, now)
    return most


# -- pids, exit codes, lifecycle --------------------------------------------------------------

PIDS = """
import os
import multiprocessing as mp

def report(tag):
    me, parent = mp.current_process(), mp.parent_process()
    print("child", (tag, os.getpid(), os.getppid(), me.name, me.pid, parent.name, parent.pid))

if __name__ == "__main__":
    print("parent", (os.getpid(), mp.current_process().name, mp.parent_process()))
    children = [mp.Process(target=report, args=(tag,)) for tag in "ab"]
    for child in children:
        child.start()
    for child in children:
        child.join()
    print("pids", [child.pid for child in children])
"""


def test_processes_have_distinct_deterministic_pids_and_know_their_parent(record_source) -> None:
    trace = record_source(PIDS)
    again = record_source(PIDS)
    assert trace.summary["outcome"] == "completed", trace.summary
    parent_pid, parent_name, grandparent = values(trace, "parent")
    assert (parent_name, grandparent) == ("MainProcess", None)
    children = sorted(ast.literal_eval(line[6:]) for line in printed(trace) if line.startswith("child "))
    assert [c[0] for c in children] == ["a", "b"]
    pids = [c[1] for c in children]
    assert len({parent_pid, *pids}) == 3  # all different
    assert values(trace, "pids") == pids  # Process.pid is what the child's os.getpid() says
    for _tag, pid, ppid, _name, own_pid, parents_name, parents_pid in children:
        assert ppid == parent_pid == parents_pid
        assert own_pid == pid and parents_name == "MainProcess"
    assert [c[3] for c in children] == ["Process-1", "Process-2"]
    assert again.summary["stdout"] == trace.summary["stdout"]  # the same pids every time


def test_exit_codes_liveness_join_and_terminate_follow_multiprocessing(record_source) -> None:
    trace = record_source(
        """
        import sys, time
        import multiprocessing as mp

        def fine():
            pass

        def broken():
            raise ValueError("child failed")

        def quits(code):
            sys.exit(code)

        def sleeper():
            time.sleep(10)
            print("sleeper woke up")

        if __name__ == "__main__":
            codes = []
            for target, args in ((fine, ()), (broken, ()), (quits, (3,)), (quits, ("bye",))):
                child = mp.Process(target=target, args=args)
                child.start()
                child.join()
                codes.append(child.exitcode)
            print("codes", codes)

            child = mp.Process(target=sleeper, name="sleeper")
            print("before start", (child.is_alive(), child.exitcode, child.pid, child.daemon))
            started = time.monotonic()
            child.start()
            print("started", (child.is_alive(), child.exitcode))
            child.join(timeout=0.5)
            print("after timeout", (child.is_alive(), child.exitcode, time.monotonic() - started))
            child.terminate()
            child.join()
            print("terminated", (child.is_alive(), child.exitcode, time.monotonic() - started))

            child = mp.Process(target=sleeper)
            child.start()
            child.kill()
            child.join()
            print("killed", child.exitcode)
        """
    )
    assert trace.summary["outcome"] == "completed", trace.summary
    assert values(trace, "codes") == [0, 1, 3, 1]
    stderr = trace.summary["stderr"]
    assert "Process Process-2:" in stderr and "ValueError: child failed" in stderr
    assert "bye" in stderr  # sys.exit("bye") prints its message and exits with 1
    assert values(trace, "before start") == (False, None, None, False)
    assert values(trace, "started") == (True, None)
    alive, code, when = values(trace, "after timeout")
    assert (alive, code) == (True, None) and when == pytest.approx(0.5, abs=0.01)
    alive, code, when = values(trace, "terminated")
    assert (alive, code) == (False, -15) and when == pytest.approx(0.5, abs=0.01)  # no waiting for the sleep
    assert values(trace, "killed") == -9
    assert "sleeper woke up" not in trace.summary["stdout"]
    assert trace.summary["virtual_time"] < 1  # nobody waited for the 10 s sleeps
    # Each exit is in a frame's `exit`, and the folded world keeps the codes.
    exits = {proc: code for f in trace.frames() for proc, code in f.get("exit", {}).items()}
    assert exits == {"P1": 0, "P2": 1, "P3": 3, "P4": 1, "P5": -15, "P6": -9}
    world = trace.state_at(len(trace) - 1)
    assert {p.id: p.exitcode for p in world.processes.values()} == {"P0": None, **exits}
    assert process_definitions(trace)["sleeper"]["proc"] == "P5"


def test_a_failing_childs_traceback_shows_no_engine_frames(record_source) -> None:
    trace = record_source(
        """
        import multiprocessing as mp

        def broken():
            raise ValueError("child failed")

        if __name__ == "__main__":
            child = mp.Process(target=broken)
            child.start()
            child.join()
        """
    )
    stderr = trace.summary["stderr"]
    assert "Process Process-1:" in stderr and "in broken" in stderr
    assert "tui/engine" not in stderr and "simprocess" not in stderr


def test_daemon_children_are_stopped_at_exit_and_the_others_are_waited_for(record_source) -> None:
    trace = record_source(
        """
        import time
        import multiprocessing as mp

        def late(tag, seconds):
            time.sleep(seconds)
            print(tag, "finished")

        if __name__ == "__main__":
            helper = mp.Process(target=late, args=("daemon", 10), daemon=True)
            worker = mp.Process(target=late, args=("worker", 1))
            helper.start()
            worker.start()
            try:
                helper.daemon = False
            except AssertionError as exc:
                print("refused:", exc)
            print("parent done", helper.daemon, worker.daemon)
        """
    )
    assert trace.summary["outcome"] == "completed"
    assert printed(trace) == ["refused: process has already started", "parent done True False", "worker finished"]
    assert 1 < trace.summary["virtual_time"] < 2


# -- fork semantics: copies, not shared memory --------------------------------------------------


def test_a_child_starts_with_a_copy_of_the_parents_globals_and_changes_only_its_own(record_source) -> None:
    trace = record_source(
        """
        import multiprocessing as mp

        counter = 0
        seen = []

        def child(tag, box):
            global counter
            counter += 1
            seen.append(tag)
            box["by"] = tag
            print(tag, (counter, seen, box))

        if __name__ == "__main__":
            box = {"by": "parent"}
            counter = 10
            first = mp.Process(target=child, args=("first", box))
            first.start()
            first.join()
            counter = 20
            second = mp.Process(target=child, args=("second", box))
            second.start()
            counter = 30  # after start(): the child's copy was taken already
            seen.append("parent")
            second.join()
            print("parent", (counter, seen, box))
        """
    )
    assert trace.summary["outcome"] == "completed", trace.summary
    assert values(trace, "first") == (11, ["first"], {"by": "first"})
    # The second child sees the parent's globals as they were at its start(), not the first child's changes.
    assert values(trace, "second") == (21, ["second"], {"by": "second"})
    assert values(trace, "parent") == (30, ["parent"], {"by": "parent"})


RANDOM_AFTER_FORK = """
import random
import multiprocessing as mp

def draw(tag, results):
    results.put((tag, random.random()))

if __name__ == "__main__":
    random.seed(42)
    results = mp.Queue()
    children = [mp.Process(target=draw, args=(tag, results)) for tag in "ab"]
    for child in children:
        child.start()
    drawn = dict(results.get() for _ in children)
    for child in children:
        child.join()
    print("children", (drawn["a"], drawn["b"]))
    print("parent", random.random())
"""


def test_childrens_random_draws_leave_the_parents_stream_alone(record_source) -> None:
    trace = record_source(RANDOM_AFTER_FORK)
    import random

    assert values(trace, "parent") == random.Random(42).random()


def test_children_draw_different_random_numbers_as_after_fork_in_cpython(record_source) -> None:
    trace = record_source(RANDOM_AFTER_FORK)
    again = record_source(RANDOM_AFTER_FORK)
    a, b = values(trace, "children")
    assert a != b
    assert again.summary["stdout"] == trace.summary["stdout"]  # still deterministic


# -- pickling -----------------------------------------------------------------------------------


PICKLING = """
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        double = lambda x: 2 * x

        class Box:
            def __init__(self, items):
                self.items = items

        def same(x):
            return x

        def square(x):
            return x * x

        def failure(exc):
            return f"{type(exc).__name__}: {str(exc).split(' at 0x')[0]}"

        def main():
            def local(x):
                return x

            unpicklable = (("lambda", lambda x: x), ("local", local), ("module lambda", double))
            with mp.Pool(2) as pool:
                for name, fn in unpicklable:
                    try:
                        pool.map(fn, [1, 2])
                    except Exception as exc:
                        print("pool", name, "->", failure(exc))
                box = Box([1, 2])
                back = pool.apply(same, (box,))
                print("pool round trip", back is box, back.items is box.items, back.items == box.items)

            with ProcessPoolExecutor(max_workers=2) as executor:
                for name, fn in unpicklable:
                    print("executor", name, "->", failure(executor.submit(fn, 1).exception()))
                box = Box([3])
                back = executor.submit(same, box).result()
                print("executor round trip", back is box, back.items == box.items)
                print("executor still works", executor.submit(square, 7).result())

        if __name__ == "__main__":
            main()
        """


def test_what_cannot_be_pickled_fails_as_in_cpython_and_results_are_copies(record_source, python_output) -> None:
    trace = record_source(PICKLING)
    assert trace.summary["outcome"] == "completed", trace.summary
    # What this CPython itself prints (3.13 words it "Can't get local object").
    expected = python_output(PICKLING)
    assert printed(trace) == expected
    assert len(expected) == 9
    assert expected[3:4] == ["pool round trip False False True"]
    assert expected[-2:] == ["executor round trip False True", "executor still works 49"]


# -- Pool and inter-process communication ------------------------------------------------------


def test_pool_methods_return_what_cpython_returns(record_source) -> None:
    trace = record_source(
        """
        import multiprocessing as mp

        def square(x):
            return x * x

        def add(a, b):
            return a + b

        def fail(x):
            raise ValueError(f"bad {x}")

        if __name__ == "__main__":
            done, errors = [], []
            with mp.Pool(3) as pool:
                print("map", pool.map(square, range(6)))
                print("starmap", pool.starmap(add, [(1, 2), (3, 4)]))
                print("apply", pool.apply(add, (5, 6)))
                ok = pool.apply_async(square, (9,), callback=done.append)
                bad = pool.apply_async(fail, (1,), error_callback=lambda exc: errors.append(repr(exc)))
                ok.wait()
                bad.wait()
                print("async", (ok.get(), done, errors, ok.successful(), bad.successful()))
                try:
                    bad.get()
                except ValueError as exc:
                    print("reraised", repr(exc))
                print("imap_unordered", sorted(pool.imap_unordered(square, range(5))))
                print("imap", list(pool.imap(square, range(5))))
            pool = mp.Pool(2)
            pending = pool.map_async(square, [1, 2, 3])
            pool.close()
            pool.join()
            print("closed", pending.get())
            try:
                pool.apply(square, (1,))
            except ValueError as exc:
                print("refused", exc)
        """
    )
    assert trace.summary["outcome"] == "completed", trace.summary
    assert printed(trace) == [
        "map [0, 1, 4, 9, 16, 25]",
        "starmap [3, 7]",
        "apply 11",
        "async (81, [81], [\"ValueError('bad 1')\"], True, False)",
        "reraised ValueError('bad 1')",
        "imap_unordered [0, 1, 4, 9, 16]",
        "imap [0, 1, 4, 9, 16]",
        "closed [1, 4, 9]",
        "refused Pool not running",
    ]
    procs = [d for d in definitions(trace) if "proc" in d and "thread" not in d]
    assert len([d for d in procs if d["name"].startswith("ForkPoolWorker-")]) == 3 + 2
    assert all(d["parent"] == "P0" for d in procs if d["proc"] != "P0")


def test_queue_pipe_and_value_carry_data_between_processes(record_source) -> None:
    trace = record_source(
        """
        import os
        import multiprocessing as mp

        def producer(q, n):
            for i in range(n):
                q.put(i * 10)
            q.put(None)

        def consumer(q, out):
            total = 0
            while (item := q.get()) is not None:
                total += item
            out.put((os.getpid(), total))

        def talker(conn):
            conn.send({"from": os.getpid()})
            print("child got", repr(conn.recv()))
            conn.close()

        def bump(counter, n):
            for _ in range(n):
                with counter.get_lock():
                    counter.value += 1

        if __name__ == "__main__":
            q, out = mp.Queue(), mp.Queue()
            pair = [mp.Process(target=producer, args=(q, 5)), mp.Process(target=consumer, args=(q, out))]
            for p in pair:
                p.start()
            pid, total = out.get()
            for p in pair:
                p.join()
            print("queue", (total, pid == pair[1].pid))

            parent_end, child_end = mp.Pipe()
            child = mp.Process(target=talker, args=(child_end,))
            child.start()
            message = parent_end.recv()
            parent_end.send("bye")
            child.join()
            print("pipe", message == {"from": child.pid})

            counter = mp.Value("i", 0)
            bumpers = [mp.Process(target=bump, args=(counter, 50)) for _ in range(3)]
            for p in bumpers:
                p.start()
            for p in bumpers:
                p.join()
            print("value", counter.value)
        """
    )
    assert trace.summary["outcome"] == "completed", trace.summary
    assert printed(trace) == ["queue (100, True)", "child got 'bye'", "pipe True", "value 150"]


# -- parallelism and cores ----------------------------------------------------------------------

PARALLEL = """
import time
from multiprocessing import Process

def crunch():
    total = 0
    for i in range(60_000):
        total += i % 7

def run(count):
    start = time.perf_counter()
    children = [Process(target=crunch, name=f"run{count}-{k}") for k in range(count)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    return time.perf_counter() - start

if __name__ == "__main__":
    print("times", (run(1), run(4)))
"""


def _parallel(trace: Trace) -> tuple[float, float, float, int]:
    """(one process, four processes, CPU of one job, most of the four running at once)."""
    one, four = values(trace, "times")
    threads = {d["thread"]: d["name"] for d in thread_definitions(trace)}
    job = sum(f.get("cpu", 0) for f in trace.frames() if threads.get(f["a"]) == "run1-0")
    four_threads = {tid for tid, name in threads.items() if name.startswith("run4-")}
    return one, four, job, running_at_once(trace, four_threads)


def test_cpu_bound_processes_run_side_by_side_on_the_default_four_cores(record_source) -> None:
    trace = record_source(PARALLEL)
    assert trace.summary["outcome"] == "completed", trace.summary
    one, four, job, together = _parallel(trace)
    assert job == pytest.approx(60_000 * 9 * BYTECODE_COST, rel=0.2)
    assert one > job  # starting a process costs something too
    assert four == pytest.approx(one, rel=0.2)  # four jobs in about the time of one
    assert together == 4


@pytest.mark.parametrize("cores", [2, 1])
def test_fewer_cores_make_cpu_bound_processes_wait_their_turn(record_source, cores: int) -> None:
    trace = record_source(PARALLEL, cores=cores)
    assert trace.header["settings"]["cores"] == cores
    one, four, job, together = _parallel(trace)
    assert together <= cores
    assert four == pytest.approx(one + (4 // cores - 1) * job, rel=0.2)


def test_four_short_pool_tasks_go_to_four_workers(record_source) -> None:
    trace = record_source(
        """
        import os
        from multiprocessing import Pool

        def crunch(n):
            total = 0
            for i in range(n):
                total += i % 7
            return os.getpid()

        if __name__ == "__main__":
            with Pool(4) as pool:
                print("pids", pool.map(crunch, [20_000] * 4, chunksize=1))
        """
    )
    assert len(set(values(trace, "pids"))) == 4


# -- the frames -----------------------------------------------------------------------------------


def test_frames_define_processes_their_threads_and_their_exits(record_source) -> None:
    trace = record_source(
        """
        import os, threading, time
        import multiprocessing as mp

        def helper():
            time.sleep(0.1)

        def child():
            extra = threading.Thread(target=helper, name="helper")
            extra.start()
            extra.join()

        if __name__ == "__main__":
            p = mp.Process(target=child)
            p.start()
            p.join()
            print("pid", p.pid)
        """
    )
    assert trace.summary["outcome"] == "completed", trace.summary
    procs = process_definitions(trace)
    assert procs["MainProcess"] == {"proc": "P0", "name": "MainProcess", "pid": 4100}
    child = procs["Process-1"]
    assert child["proc"] == "P1" and child["pid"] == values(trace, "pid") and child["parent"] == "P0"
    threads = {d["name"]: d for d in thread_definitions(trace)}
    assert all("proc" in d for d in threads.values())
    assert threads["MainThread"]["proc"] == "P0"
    # The child's main thread is named after its process; its other threads say where they run.
    assert threads["Process-1"]["proc"] == "P1" and threads["Process-1"]["by"] == threads["MainThread"]["thread"]
    assert threads["helper [Process-1]"]["proc"] == "P1"
    # The child exits in the frame of its main thread's last slice.
    (exit_frame,) = [f for f in trace.frames() if "exit" in f]
    assert exit_frame["exit"] == {"P1": 0}
    assert exit_frame["a"] == threads["Process-1"]["thread"] and exit_frame["st"] == "done"
    before, after = trace.state_at(exit_frame["i"] - 1), trace.state_at(exit_frame["i"])
    assert before.processes["P1"].alive and before.processes["P1"].pid == child["pid"]
    assert not after.processes["P1"].alive and after.processes["P1"].exitcode == 0
    assert after.actors[threads["helper [Process-1]"]["thread"]].proc == "P1"


def test_every_cpu_slice_of_a_process_says_which_core_it_ran_on(record_source) -> None:
    trace = record_source(PARALLEL)
    cores = trace.header["settings"]["cores"]
    slices = [f for f in trace.frames() if f["k"] == "thread" and f.get("cpu")]
    assert slices and all(0 <= f.get("core", -1) < cores for f in slices)
    # Processes running at the same time run on different cores.
    by_core: dict[int, list[tuple[float, float]]] = {}
    for f in slices:
        by_core.setdefault(f["core"], []).append((f["t"], f["t"] + f["d"]))
    for spans in by_core.values():
        spans.sort()
        assert all(end <= start + 1e-9 for (_, end), (start, _) in pairwise(spans))


def test_process_names_are_unique_and_named_as_cpython_names_them(record_source) -> None:
    trace = record_source(
        """
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if __name__ == "__main__":
            child = mp.Process(target=print, args=("hi",))
            child.start()
            child.join()
            for _ in range(2):
                with mp.Pool(2) as pool:
                    pool.map(abs, [1, 2])
            with ProcessPoolExecutor(max_workers=2) as executor:
                executor.submit(abs, 1).result()
        """
    )
    names = [d["name"] for d in definitions(trace) if "proc" in d and "thread" not in d]
    assert names[:6] == ["MainProcess", "Process-1", *(f"ForkPoolWorker-{n}" for n in (2, 3, 4, 5))]
    assert names[6:] == ["ForkProcess-6", "ForkProcess-7"]


def test_a_pool_program_records_identically_twice(record_source) -> None:
    source = """
        import os
        from multiprocessing import Pool

        def work(n):
            total = 0
            for i in range(n):
                total += i * i
            return os.getpid(), total

        if __name__ == "__main__":
            with Pool(3) as pool:
                print(pool.map(work, [3_000, 9_000, 6_000, 12_000, 1_000], chunksize=1))
    """
    first = record_source(source)
    again = record_source(source)
    assert first.summary["outcome"] == "completed", first.summary
    assert len(first) == len(again) > 5
    totals = [total for _pid, total in ast.literal_eval(first.summary["stdout"])]
    assert totals == [sum(i * i for i in range(n)) for n in (3_000, 9_000, 6_000, 12_000, 1_000)]
    assert [first.line(i) for i in range(len(first))] == [again.line(i) for i in range(len(again))]
    assert first.summary == again.summary


ONE_CHILD_AT_A_TIME = """
    import multiprocessing as mp

    def work():
        total = 0
        for i in range(50):
            total += i

    if __name__ == "__main__":
        for _ in range(6):
            child = mp.Process(target=work)
            child.start()
            child.join()
"""


@pytest.mark.slow
def test_children_started_one_after_another_cost_the_same_on_every_run(record_source) -> None:
    """A child's main thread is a real OS thread, which the OS may give the ident of one that has
    ended, or not, as real threads race. What a child costs must not hang on that: every child
    here does the same work, so each costs the same, and so does every run (on 3.11 and 3.12 a
    child that got a reused ident used to skip making its threading._DummyThread, 3e-7 s)."""
    runs = [record_source(ONE_CHILD_AT_A_TIME, cores=2, seed=7) for _ in range(4)]
    first = runs[0]
    assert first.summary["outcome"] == "completed", first.summary
    children = [f for f in first.frames() if f["a"] != "Th1"]
    assert len(children) == 6
    assert len({f["cpu"] for f in children}) == 1, [f["cpu"] for f in children]
    for again in runs[1:]:
        assert [first.line(i) for i in range(len(first))] == [again.line(i) for i in range(len(again))]
        assert first.summary == again.summary
