"""Runs CPython's own asyncio test suites; used as a scenario to check the recording loop is faithful."""

import sys
import unittest

MODULES = [
    "test.test_asyncio.test_locks",
    "test.test_asyncio.test_queues",
    "test.test_asyncio.test_taskgroups",
    "test.test_asyncio.test_timeouts",
    "test.test_asyncio.test_waitfor",
]

if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:] or MODULES)
    result = unittest.TextTestRunner(verbosity=0, stream=sys.stdout).run(suite)
    print(f"ran={result.testsRun} failures={len(result.failures)} errors={len(result.errors)}")
    for test, text in result.failures + result.errors:
        print(test, text)
    sys.exit(0 if result.wasSuccessful() else 1)
