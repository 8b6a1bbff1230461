"""Every way a recorded program can end gets a clear outcome, and the caller never hangs."""

from __future__ import annotations

import ast
import time

import pytest

pytestmark = pytest.mark.slow  # every test records a program in its own process


def test_completed_reports_mains_return_value_and_virtual_end_time(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            await asyncio.sleep(90)
            return {"answer": 42}

        if __name__ == "__main__":
            asyncio.run(main())
        """
    )
    assert trace.summary["outcome"] == "completed"
    assert trace.summary["result"] == "{'answer': 42}"
    assert trace.summary["virtual_time"] == 90.0
    assert trace.summary["frames"] == len(trace)


def test_an_exception_reports_a_traceback_of_the_users_lines_only(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def inner():
            await asyncio.sleep(1)
            raise ValueError("bad input")

        async def main():
            await inner()

        asyncio.run(main())
        """,
        name="fails.py",
    )
    report = trace.summary["report"]
    assert trace.summary["outcome"] == "exception"
    assert report["type"] == "ValueError" and report["message"] == "bad input"
    assert report["where"] == "fails.py:6"
    assert 'fails.py", line 6, in inner' in report["traceback"]
    assert "asyncio/" not in report["traceback"] and "/tui/" not in report["traceback"]
    failed = [f for f in trace.frames() if f.get("st") == "failed"]
    assert failed and failed[0]["error"] == "ValueError: bad input"


def test_a_deadlock_names_who_waits_for_whom_and_the_cycle(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def transfer(first, second):
            async with first:
                await asyncio.sleep(0.1)
                async with second:
                    pass

        async def main():
            checking = asyncio.Lock()
            savings = asyncio.Lock()
            await asyncio.gather(
                asyncio.create_task(transfer(checking, savings), name="alice"),
                asyncio.create_task(transfer(savings, checking), name="bob"),
            )

        asyncio.run(main())
        """
    )
    summary = trace.summary
    assert summary["outcome"] == "deadlock"
    report = summary["report"]
    waits = {w["name"]: w for w in report["waits"]}
    assert waits["alice"]["on"] == "Lock#2" and waits["alice"]["holders"] == [waits["bob"]["actor"]]
    assert waits["bob"]["on"] == "Lock#1" and waits["bob"]["holders"] == [waits["alice"]["actor"]]
    assert set(report["cycle"]) == {waits["alice"]["actor"], waits["bob"]["actor"], "Lock#1", "Lock#2"}
    assert report["cycle"][0] == report["cycle"][-1]
    assert "alice waits for savings (Lock#2) held by bob" in report["text"]
    assert summary["virtual_time"] == pytest.approx(0.1)


def test_waiting_forever_on_an_event_is_a_deadlock_without_a_cycle(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            never = asyncio.Event()
            await never.wait()

        asyncio.run(main())
        """
    )
    assert trace.summary["outcome"] == "deadlock"
    assert trace.summary["report"]["cycle"] == []
    assert "waits for never (Event#1) to be set" in trace.summary["report"]["text"]


def test_the_frame_limit_stops_an_endless_program(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            while True:
                await asyncio.sleep(1)

        asyncio.run(main())
        """,
        max_frames=50,
    )
    assert trace.summary["outcome"] == "frame-limit"
    assert len(trace) == 50 == trace.summary["frames"]


def test_the_frame_limit_report_names_the_option_that_raises_it(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            while True:
                await asyncio.sleep(1)

        asyncio.run(main())
        """,
        max_frames=20,
    )
    assert trace.summary["outcome"] == "frame-limit"
    text = trace.summary["report"]["text"]
    assert "stopped after 20 frames" in text and "--max-frames" in text


def test_a_step_that_never_yields_is_stopped_as_a_runaway(record_source) -> None:
    started = time.monotonic()
    trace = record_source(
        """
        import asyncio

        async def spin():
            n = 0
            while True:
                n += 1

        async def main():
            await asyncio.gather(asyncio.sleep(1), spin())

        asyncio.run(main())
        """,
        name="spin.py",
        step_timeout=1.0,
    )
    assert time.monotonic() - started < 10
    summary = trace.summary
    assert summary["outcome"] == "runaway"
    assert summary["report"]["where"] in ("spin.py:6", "spin.py:7")
    last = trace.frame(len(trace) - 1)
    assert last["st"] == "runaway" and last["a"] == summary["report"]["actor"]


CPU_BOUND_THREAD = """
    import threading

    def crunch():
        total = 0
        for i in range(ITERATIONS):
            total += i % 7
        print(total)

    worker = threading.Thread(target=crunch)
    worker.start()
    worker.join()
"""


def test_a_cpu_bound_thread_that_cpython_finishes_in_time_is_no_runaway_however_slowly_recorded(
    record_source,
) -> None:
    # About 0.05 s of CPU under CPython, 0.05 s of virtual time here, and several times
    # the 0.1 s step timeout of wall time to record (counting every instruction).
    started = time.monotonic()
    trace = record_source(CPU_BOUND_THREAD.replace("ITERATIONS", "300_000"), step_timeout=0.1)
    recorded_in = time.monotonic() - started
    assert trace.summary["outcome"] == "completed", trace.summary.get("report")
    assert trace.summary["stdout"] == f"{sum(i % 7 for i in range(300_000))}\n"
    assert trace.summary["virtual_time"] < 0.1 < recorded_in


def test_a_thread_spinning_for_ever_is_a_runaway_once_it_spent_the_step_timeout_of_cpu(record_source) -> None:
    trace = record_source(
        """
        import threading

        def spin():
            n = 0
            while True:
                n += 1

        threading.Thread(target=spin).start()
        """,
        name="spin.py",
        step_timeout=0.2,
    )
    summary = trace.summary
    assert summary["outcome"] == "runaway"
    assert summary["report"]["where"] in ("spin.py:6", "spin.py:7")
    assert "0.2s of CPU (virtual time" in summary["report"]["text"]
    assert summary["virtual_time"] >= 0.2


def test_a_syntax_error_is_an_error_with_file_and_line(record_source) -> None:
    trace = record_source("import asyncio\n\nasync def main(:\n    pass\n", name="broken.py")
    assert trace.summary["outcome"] == "error"
    assert trace.summary["error"].endswith("broken.py:3:16: SyntaxError: invalid syntax")
    assert len(trace) == 0


def test_an_error_at_import_time_is_an_exception_at_that_line(record_source) -> None:
    trace = record_source("import json\nimport no_such_module_here\n", name="imports.py")
    assert trace.summary["outcome"] == "exception"
    assert trace.summary["report"]["type"] == "ModuleNotFoundError"
    assert trace.summary["report"]["where"] == "imports.py:2"


@pytest.mark.parametrize(("code", "outcome", "exit_code"), [(0, "completed", 0), (3, "exception", 3)])
def test_sys_exit_ends_the_run_like_the_interpreter(record_source, code: int, outcome: str, exit_code: int) -> None:
    trace = record_source(
        f"""
        import asyncio, sys

        async def main():
            await asyncio.sleep(1)
            sys.exit({code})

        asyncio.run(main())
        print("not reached")
        """
    )
    assert trace.summary["outcome"] == outcome
    assert trace.summary["exit_code"] == exit_code
    assert "not reached" not in trace.summary["stdout"]


def test_os_exit_keeps_the_frames_and_says_where_it_was_called(record_source) -> None:
    trace = record_source('import os\nprint("bye")\nos._exit(7)\n', name="quits.py")
    assert trace.summary["outcome"] == "exception"
    assert trace.summary["exit_code"] == 7
    assert trace.summary["report"]["message"] == "os._exit(7) at quits.py:3"
    assert trace.summary["stdout"] == "bye\n"
    assert trace.output[0][2] == "bye\n"


def test_a_segfault_keeps_the_frames_before_it_and_names_the_line(record_source) -> None:
    trace = record_source(
        """
        import asyncio
        import ctypes

        async def main():
            for i in range(3):
                print(i)
                await asyncio.sleep(1)
            ctypes.string_at(0)

        asyncio.run(main())
        """,
        name="crashes.py",
    )
    assert trace.summary["outcome"] == "crashed"
    error = trace.summary["error"]
    assert error.startswith("the program crashed the interpreter at crashes.py:9: Segmentation fault")
    assert "\n" not in error
    assert [text for _, _, text in trace.output] == ["0\n", "1\n", "2\n"]
    assert trace.summary["virtual_time"] == 3.0
    assert trace.summary["frames"] == len(trace)


def test_megabytes_of_output_are_bounded_and_the_run_still_completes(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            for i in range(60_000):
                print("x" * 100, i)
                if i % 5000 == 0:
                    await asyncio.sleep(0)
            return "printed"

        asyncio.run(main())
        """
    )
    assert trace.summary["outcome"] == "completed"
    assert trace.summary["result"] == "'printed'"
    assert trace.summary["stdout_truncated"] > 0
    assert len(trace.summary["stdout"]) <= 1024 * 1024
    kept = sum(len(text) for _i, _stream, text in trace.output)
    assert kept < 5 * 1024 * 1024
    assert any("not kept in the trace" in text for _i, _stream, text in trace.output)


def test_a_plain_script_without_asyncio_is_one_frame_of_the_main_thread(record_source) -> None:
    trace = record_source('print("hello")\nx = sum(range(10))\nprint(x)\n')
    assert trace.summary["outcome"] == "completed"
    assert trace.summary["stdout"] == "hello\n45\n"
    assert len(trace) == 1 and trace.frame(0)["a"] == "Th1"


def test_input_reads_end_of_file_instead_of_waiting(record_source) -> None:
    trace = record_source("try:\n    input()\nexcept EOFError:\n    print('no stdin')\n")
    assert trace.summary["stdout"] == "no stdin\n"


def test_the_program_sees_virtual_clocks_and_seeded_randomness(record_source) -> None:
    source = """
        import asyncio, datetime, random, time

        async def main():
            t0, w0 = time.monotonic(), time.time()
            await asyncio.sleep(5)
            time.sleep(2)
            return (time.monotonic() - t0, time.time() - w0, datetime.datetime.now().year, random.random())

        asyncio.run(main())
    """
    first = record_source(source, seed=7)
    again = record_source(source, seed=7)
    other = record_source(source, seed=8)
    elapsed, wall, year, rand = ast.literal_eval(first.summary["result"])
    assert (elapsed, wall, year) == (7.0, 7.0, 2023)
    assert again.summary["result"] == first.summary["result"]
    assert ast.literal_eval(other.summary["result"])[3] != rand


def test_the_same_program_and_seed_give_a_byte_identical_trace(record_source) -> None:
    source = """
        import asyncio, random

        async def worker(name, lock, shared):
            for _ in range(3):
                await asyncio.sleep(random.random())
                async with lock:
                    shared.add(name)
                    await asyncio.sleep(0)

        async def main():
            lock = asyncio.Lock()
            shared = set()
            await asyncio.gather(*(asyncio.create_task(worker(f"w{i}", lock, shared), name=f"w{i}") for i in range(5)))
            return sorted(shared), list({"b", "a", "c"})

        asyncio.run(main())
    """
    first = record_source(source, seed=3)
    again = record_source(source, seed=3)
    assert [first.line(i) for i in range(len(first))] == [again.line(i) for i in range(len(again))]
    assert first.summary == again.summary
