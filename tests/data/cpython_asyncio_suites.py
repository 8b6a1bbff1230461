"""Runs CPython's own asyncio test suites; used as a scenario to check the recording loop is faithful.

`python cpython_asyncio_suites.py [--recorded] [MODULE ...]`: with `--recorded`
(inside the recording process) the tests NOT_RECORDED matches are left out.
"""

import fnmatch
import importlib.util
import sys
import unittest

MODULES = [
    "test.test_asyncio.test_futures",
    "test.test_asyncio.test_futures2",
    "test.test_asyncio.test_tasks",
    "test.test_asyncio.test_eager_task_factory",  # 3.12+
    "test.test_asyncio.test_locks",
    "test.test_asyncio.test_queues",
    "test.test_asyncio.test_taskgroups",
    "test.test_asyncio.test_timeouts",
    "test.test_asyncio.test_waitfor",
    "test.test_asyncio.test_pep492",
    "test.test_asyncio.test_runners",
]

NOT_RECORDED = {
    # A bare asyncio.BaseEventLoop whose mocked selector returns at once, so it
    # polls until time.monotonic() has moved on: in a recording the clock moves
    # only with the program's work, its timers and its threads, never by itself.
    "test.test_asyncio.test_pep492.LockTests.*": "polls a mocked selector until wall time passes",
    # SIGINT through _thread.interrupt_main() (signals are not simulated), and a
    # task spinning on `await asyncio.sleep(0)` until a 0.1 s timer fires: steps
    # of a pure asyncio program take no virtual time, so that timer never comes due.
    "test.test_asyncio.test_runners.RunnerTests.test_interrupt_*": "SIGINT, and wall time passing",
    # Starts `python -c ...` subprocesses, which a recorded program cannot.
    "test.test_asyncio.test_tasks.*.test_env_var_debug": "a subprocess",
    "test.test_asyncio.test_eager_task_factory.*.test_issue105987": "a subprocess",
}


def without(suite: unittest.TestSuite, skipped: dict[str, str]) -> unittest.TestSuite:
    kept = unittest.TestSuite()
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            kept.addTest(without(test, skipped))
        elif not any(fnmatch.fnmatchcase(test.id(), pattern) for pattern in skipped):
            kept.addTest(test)
    return kept


if __name__ == "__main__":
    args = sys.argv[1:]
    recorded = "--recorded" in args
    names = [a for a in args if not a.startswith("-")]
    names = names or [name for name in MODULES if importlib.util.find_spec(name) is not None]
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    if recorded:
        suite = without(suite, NOT_RECORDED)
    result = unittest.TextTestRunner(verbosity=2 if "-v" in args else 0, stream=sys.stdout).run(suite)
    print(f"modules={len(names)} ran={result.testsRun} failures={len(result.failures)} errors={len(result.errors)}")
    for test, text in result.failures + result.errors:
        print(test, text)
    sys.exit(0 if result.wasSuccessful() else 1)
