"""Every clock a program can read is virtual, every timed wait runs on it, and every run repeats byte for byte.

The programs here print times snapped to a 50 ms grid that CPython's own
scheduling jitter (a loaded CI machine wakes a timed wait some 10-30 ms late)
cannot move, so the same lines printed by plain `python` are the oracle.
"""

from __future__ import annotations

import ast

import pytest

from tui.trace.narrate import narrate
from tui.trace.state import World

pytestmark = pytest.mark.slow  # every test records a program in its own process

TIMED_WAITS = """
    import math, queue, threading, time
    from concurrent.futures import ThreadPoolExecutor, TimeoutError, as_completed, wait

    def took(since):
        # Snap to 0.05 s; a wake up to 12 ms early or 37 ms late lands on the same step.
        return math.floor((time.monotonic() - since) * 20 + 0.25) / 20

    q = queue.Queue()
    t0 = time.monotonic()
    try:
        q.get(timeout=0.5)
    except queue.Empty:
        print("Queue.get gave up after", took(t0))
    full = queue.Queue(1)
    full.put(1)
    t0 = time.monotonic()
    try:
        full.put(2, timeout=0.15)
    except queue.Full:
        print("Queue.put gave up after", took(t0))
    lock = threading.Lock()
    lock.acquire()
    t0 = time.monotonic()
    print("Lock.acquire", lock.acquire(timeout=0.25), took(t0))
    t0 = time.monotonic()
    print("Event.wait", threading.Event().wait(0.1), took(t0))
    cond = threading.Condition()
    with cond:
        t0 = time.monotonic()
        print("Condition.wait", cond.wait(0.2), took(t0))
        print("Condition.wait_for", cond.wait_for(lambda: False, 0.2), took(t0))
    t0 = time.monotonic()
    print("Semaphore.acquire", threading.Semaphore(0).acquire(timeout=0.3), took(t0))
    rlock = threading.RLock()

    def holder():
        with rlock:
            time.sleep(1)

    thread = threading.Thread(target=holder)
    thread.start()
    time.sleep(0.01)
    t0 = time.monotonic()
    print("RLock.acquire", rlock.acquire(timeout=0.1), took(t0))
    thread.join(0.2)
    print("Thread.join", thread.is_alive(), took(t0))
    thread.join()
    t0 = time.monotonic()
    try:
        threading.Barrier(2).wait(0.1)
    except threading.BrokenBarrierError:
        print("Barrier broke after", took(t0))
    timer = threading.Timer(0.3, lambda: print("Timer fired after", took(t0)))
    timer.start()
    timer.join()
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(time.sleep, 1)
        t0 = time.monotonic()
        try:
            slow.result(timeout=0.2)
        except TimeoutError:
            print("Future.result gave up after", took(t0))
        done, not_done = wait([slow], timeout=0.2)
        print("wait", len(done), len(not_done), took(t0))
        try:
            for _ in as_completed([slow], timeout=0.2):
                pass
        except TimeoutError:
            print("as_completed gave up after", took(t0))
        try:
            for _ in as_completed([slow], timeout=0):
                pass
        except TimeoutError:
            print("as_completed(timeout=0) gave up at once")
"""


def test_every_timed_wait_of_threading_queue_and_futures_runs_on_the_virtual_clock(
    record_source, python_output
) -> None:
    first = record_source(TIMED_WAITS)
    assert first.summary["outcome"] == "completed", first.summary
    assert first.summary["stdout"].splitlines() == python_output(TIMED_WAITS)
    # The waits add up to 4.1 s; on the real clock they took hundreds of (different) seconds.
    assert 4.0 < first.summary["virtual_time"] < 4.2
    again = record_source(TIMED_WAITS)
    assert [again.line(i) for i in range(len(again))] == [first.line(i) for i in range(len(first))]


CLOCK_READERS = """
    import datetime, os, random, secrets, threading, time, uuid

    def spin():
        total = 0
        for i in range(20_000):
            total += i
        return total

    def worker():
        spin()
        times["worker"] = time.thread_time()

    times = {}
    worker_thread = threading.Thread(target=worker)
    worker_thread.start()
    worker_thread.join()
    time.sleep(3)
    now = time.time()
    assert abs(time.time_ns() / 1e9 - now) < 1e-3
    assert time.localtime()[:6] == time.localtime(now)[:6]
    assert time.gmtime()[:6] == time.gmtime(now)[:6]
    assert time.ctime() == time.ctime(now)
    assert time.asctime() == time.asctime(time.localtime(now))
    assert time.strftime("%Y-%m-%d %H:%M:%S") == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    assert abs(datetime.datetime.now().timestamp() - now) < 1e-3
    assert datetime.date.today() == datetime.date.fromtimestamp(now)
    result = (
        time.ctime(),
        time.perf_counter(),
        time.perf_counter_ns() // 10**6,
        round(times["worker"], 9),
        round(time.thread_time(), 9),
        round(time.process_time(), 9),
        str(uuid.uuid1()),
        str(uuid.uuid4()),
        secrets.token_hex(8),
        random.SystemRandom().random(),
        random.Random().random(),
        os.getrandom(4).hex(),
    )
    print(result)
"""


def test_every_clock_reader_is_virtual_and_all_randomness_follows_the_seed(record_source) -> None:
    first = record_source(CLOCK_READERS, seed=3)
    assert first.summary["outcome"] == "completed", first.summary
    again = record_source(CLOCK_READERS, seed=3)
    other = record_source(CLOCK_READERS, seed=4)
    (ctime, perf, perf_ms, worker_cpu, main_cpu, process_cpu, *randoms) = ast.literal_eval(first.summary["stdout"])
    assert ctime == "Tue Nov 14 22:13:23 2023" or ctime.endswith(" 2023")  # the virtual epoch, local time zone
    assert 3.0 < perf < 3.1 and perf_ms == int(perf * 1000)
    # thread_time is each simulated thread's own CPU: the worker spun, the main thread slept.
    assert worker_cpu > 10 * main_cpu > 0
    assert process_cpu >= worker_cpu + main_cpu - 1e-9
    assert again.summary["stdout"] == first.summary["stdout"]
    other_randoms = ast.literal_eval(other.summary["stdout"])[6:]
    # Everything random differs with another seed; uuid1's time part stays (same virtual time).
    assert all(mine != theirs for mine, theirs in zip(randoms, other_randoms, strict=True))


BAD_SLEEPS = """
    import asyncio, time

    async def main():
        try:
            await asyncio.wait_for(asyncio.sleep(float("nan")), 0.1)
            print("sleep(nan) returned")
        except BaseException as exc:
            print("sleep(nan):", type(exc).__name__, exc)
        await asyncio.sleep(-1)
        print("sleep(-1) returned")
        try:
            await asyncio.wait_for(asyncio.sleep(float("inf")), 0.1)
        except BaseException as exc:
            print("sleep(inf):", type(exc).__name__, exc)

    asyncio.run(main())
    for bad in (float("nan"), -1, -0.5, 2**64, 10**10, float("inf"), 1e10, "x", None):
        try:
            time.sleep(bad)
            print("time.sleep returned")
        except Exception as exc:
            print(f"time.sleep({bad!r}):", type(exc).__name__, exc)
    time.sleep(-0.0)
    time.sleep(True)
    print("done")
"""


def test_odd_sleeps_behave_as_on_cpython(record_source, python_output) -> None:
    trace = record_source(BAD_SLEEPS)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(BAD_SLEEPS)


def test_the_clock_reaches_any_finite_deadline(record_source) -> None:
    trace = record_source(
        """
        import asyncio, time

        async def main():
            await asyncio.sleep(2**24 + 1)   # a float clock plus a nanosecond stops moving here
            await asyncio.sleep(2**40)
            return asyncio.get_running_loop().time()

        print(asyncio.run(main()))
        time.sleep(2**33)
        print(time.monotonic())
        """
    )
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].split() == [repr(2.0**24 + 1 + 2**40), repr(2.0**24 + 1 + 2**40 + 2**33)]


def test_a_timer_armed_at_infinity_is_a_wait_forever_and_the_trace_stays_readable(record_source) -> None:
    trace = record_source(
        """
        import asyncio

        async def main():
            await asyncio.sleep(float("inf"))

        asyncio.run(main())
        """
    )
    assert trace.summary["outcome"] == "deadlock", trace.summary
    assert trace.summary["virtual_time"] == 0
    due = [timer[1] for frame in trace.frames() for timer in frame.get("timers", ())]
    assert due == [float("inf")]
    world, sentences = World(), []
    for frame in trace.frames():
        before = world.snapshot()
        world.apply(frame)
        sentences.append(narrate(frame, world, before))
    assert sentences[-1].endswith("now sleeps forever."), sentences[-1]
    assert "no timer will fire" in trace.summary["report"]["text"]


KEPT_ALIVE = """
    import asyncio, concurrent.futures, gc, queue, threading, weakref

    def freed(make):
        ref = weakref.ref(make())
        gc.collect()
        return ref() is None

    print("threading", freed(threading.Lock), freed(threading.Condition), freed(queue.Queue), freed(threading.Event))
    print("futures", freed(concurrent.futures.Future))

    async def main():
        print("asyncio", freed(asyncio.Lock), freed(asyncio.Queue), freed(asyncio.get_running_loop().create_future))

    asyncio.run(main())
    pool = concurrent.futures.ThreadPoolExecutor(2)
    pool.submit(print, "work").result()
    workers = list(pool._threads)
    collected = weakref.ref(pool)
    del pool
    gc.collect()
    print("executor", collected() is None)
    for worker in workers:
        worker.join()  # an executor's workers exit once it is collected
    print("joined")
"""


def test_the_recorder_keeps_none_of_the_programs_objects_alive(record_source, python_output) -> None:
    trace = record_source(KEPT_ALIVE)
    assert trace.summary["outcome"] == "completed", trace.summary
    assert trace.summary["stdout"].splitlines() == python_output(KEPT_ALIVE)
