"""What each frame says: who ran, why, where it stopped, on what, and what changed."""

from __future__ import annotations

import asyncio

import pytest
from conftest import run_recorded


def _tasks_by_name(frames):
    return {d["name"]: d["task"] for f in frames for d in f.get("new", ()) if "task" in d}


async def two_workers_one_lock() -> str:
    lock = asyncio.Lock()

    async def worker() -> None:
        async with lock:
            await asyncio.sleep(1)

    await asyncio.gather(
        asyncio.create_task(worker(), name="worker-1"),
        asyncio.create_task(worker(), name="worker-2"),
    )
    return "ok"


TWO_WORKERS = """
import asyncio

async def worker(lock):
    async with lock:
        await asyncio.sleep(1)

async def main():
    lock = asyncio.Lock()
    await asyncio.gather(
        asyncio.create_task(worker(lock), name="worker-1"),
        asyncio.create_task(worker(lock), name="worker-2"),
    )
    return "ok"

asyncio.run(main())
"""


@pytest.mark.slow
def test_a_contended_lock_shows_owner_waiter_and_handoff(record_source) -> None:
    trace = record_source(TWO_WORKERS)
    assert trace.summary["result"] == "'ok'"
    frames = list(trace.frames())
    ids = _tasks_by_name(frames)
    w1, w2 = ids["worker-1"], ids["worker-2"]
    waits = [f for f in frames if f["a"] == w2 and f.get("st") == "wait"]
    assert waits, "worker-2 never waited"
    assert waits[0]["on"] == "Lock#1"
    assert "held by worker-1" in waits[0]["wait"]
    assert "1st in line" in waits[0]["wait"]
    owner_while_waiting = trace.state_at(waits[0]["i"]).resources["Lock#1"].raw
    assert owner_while_waiting == {"locked": True, "owner": w1}
    woke = next(f for f in frames if f["a"] == w2 and f["why"][0] == "wake")
    assert woke["why"] == ["wake", "Lock#1", w1]
    assert woke["st"] == "sleep" and woke["until"] == 2.0
    assert trace.state_at(woke["i"]).resources["Lock#1"].raw == {"locked": True, "owner": w2}


@pytest.mark.slow
def test_resources_are_named_after_their_variable_and_numbered_by_kind(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            fork = asyncio.Lock()
            knife = asyncio.Lock()
            ready = asyncio.Event()
            lookup = {"x": asyncio.Lock()}
            parcel = asyncio.get_running_loop().create_future()
            parcel.set_result(1)
            await asyncio.sleep(0)

        asyncio.run(main())
        """
    )
    defs = {d["res"]: d for f in trace.frames() for d in f.get("new", ()) if "res" in d}
    assert defs["Future#1"]["name"] == "parcel"
    assert defs["Lock#1"]["name"] == "fork"
    assert defs["Lock#2"]["name"] == "knife"
    assert defs["Event#1"]["name"] == "ready"
    assert defs["Lock#3"]["name"] == "Lock#3"  # no single variable to name it after


def test_sleeping_task_frame_carries_its_timer_and_wake_time() -> None:
    async def main() -> None:
        await asyncio.sleep(2.5)

    _, frames = run_recorded(main)
    first = frames[1]
    assert first["st"] == "sleep" and first["until"] == 2.5 and first["on"] == "sleep"
    [[hid, due, owner, label]] = first["timers"]
    assert (due, owner, label) == (2.5, first["a"], "sleep")
    timer_frame = next(f for f in frames if f["k"] == "timer")
    assert timer_frame["fired"] == [hid] and timer_frame["t"] == 2.5
    assert timer_frame["why"] == ["timer", 2.5, first["a"]]


def test_yield_puts_the_task_back_at_the_end_of_the_ready_queue() -> None:
    async def main() -> None:
        await asyncio.sleep(0)

    _, frames = run_recorded(main)
    assert frames[0]["a"] == "Th1" and frames[0]["ready"] == [[1, "T1"]]  # run_until_complete queued main
    assert frames[1]["a"] == "T1" and frames[1]["h"] == 1 and frames[1]["st"] == "ready"
    hid = frames[1]["ready"][0][0]
    assert frames[2]["h"] == hid and frames[2]["why"] == ["yield"]


def test_finished_failed_and_cancelled_tasks_say_so() -> None:
    async def main() -> None:
        async def ok() -> int:
            return 7

        async def bad() -> None:
            raise KeyError("missing")

        async def forever() -> None:
            await asyncio.sleep(100)

        tasks = [asyncio.create_task(c, name=n) for n, c in (("ok", ok()), ("bad", bad()), ("forever", forever()))]
        await asyncio.sleep(0)
        tasks[2].cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    _, frames = run_recorded(main)
    ids = _tasks_by_name(frames)
    last = {f["a"]: f for f in frames if f["k"] == "task"}
    assert last[ids["ok"]]["st"] == "done" and last[ids["ok"]]["result"] == "7"
    assert last[ids["bad"]]["st"] == "failed" and last[ids["bad"]]["error"] == "KeyError: 'missing'"
    assert last[ids["forever"]]["st"] == "cancelled"
    assert last[ids["forever"]]["why"][0] == "cancel"


def test_waiting_on_another_task_and_on_gather_is_described() -> None:
    async def main() -> None:
        async def child() -> None:
            await asyncio.sleep(1)

        task = asyncio.create_task(child(), name="child")
        await task
        await asyncio.gather(asyncio.sleep(1), asyncio.sleep(2))

    _, frames = run_recorded(main)
    main_frames = [f for f in frames if f["a"] == "T1" and f.get("st") == "wait"]
    assert main_frames[0]["on"] == _tasks_by_name(frames)["child"]
    assert main_frames[0]["wait"] == "waits for task child to finish"
    assert main_frames[1]["on"].startswith("gather(")


def test_queue_waiters_say_which_line_they_stand_in() -> None:
    async def main() -> None:
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)

        async def consumer() -> None:
            await queue.get()

        getter = asyncio.create_task(consumer(), name="getter")
        await asyncio.sleep(0)
        await queue.put(1)
        await queue.put(2)  # the getter has not taken 1 yet: the queue is full
        await getter

    _, frames = run_recorded(main)
    waits = [f for f in frames if f.get("st") == "wait" and f.get("on", "").startswith("Queue")]
    roles = [(f["role"], f["wait"]) for f in waits]
    assert roles[0][0] == "get" and "empty" in roles[0][1]
    assert any(role == "put" and "full, 1/1" in words for role, words in roles)


def test_every_frame_has_the_core_fields_and_increasing_index() -> None:
    _, frames = run_recorded(two_workers_one_lock)
    for index, frame in enumerate(frames):
        assert frame["i"] == index
        assert frame["k"] in ("task", "cb", "timer", "thread")
        assert isinstance(frame["t"], float)
        assert "why" in frame
    times = [f["t"] for f in frames]
    assert times == sorted(times)
