"""The process guard (tests/process_guard.py): a test not marked slow cannot start a process by any route.

Each test runs a small pytest session in this process (pytester, in-process)
with the guard loaded, and reads its outcome.
"""

from __future__ import annotations

import textwrap

import process_guard
import pytest

STARTS = {
    "subprocess": "subprocess.run([sys.executable, '-c', 'pass'])",
    "asyncio": "asyncio.run(asyncio.create_subprocess_exec(sys.executable, '-c', 'pass'))",
    "posix_spawn": "os.waitpid(os.posix_spawn(sys.executable, [sys.executable, '-c', 'pass'], os.environ), 0)",
    "fork": "pid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)",
    "multiprocessing fork": "multiprocessing.get_context('fork').Process(target=int).start()",
    "multiprocessing spawn": "multiprocessing.get_context('spawn').Process(target=int).start()",
    "os.system": "os.system('true')",
    "then failing another way": (
        "try:\n"
        "    subprocess.run([sys.executable, '-c', 'print(42)'], capture_output=True)\n"
        "except OSError:\n"
        "    pass\n"
        "assert False, 'the output never came'"
    ),
    "swallowed in a thread": (
        "def start():\n"
        "    try:\n"
        "        subprocess.run([sys.executable, '-c', 'pass'])\n"
        "    except OSError:\n"
        "        pass\n"
        "worker = threading.Thread(target=start)\n"
        "worker.start()\n"
        "worker.join()"
    ),
}
"""Each way a test could start a process, as the body of a test (the fork ones end their child at once)."""

REFUSED = "*{} started a process (*) but is not marked slow: mark it @pytest.mark.slow*"


@pytest.fixture
def session(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester directory whose sessions load the guard and know the slow marker."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nmarkers =\n    slow: starts processes\n")
    pytester.makeconftest('pytest_plugins = ["process_guard"]\n')
    return pytester


def run(session: pytest.Pytester) -> pytest.RunResult:
    """In this process: a subprocess would be refused by the outer guard. The snapshot plugins
    keep session state in globals, so the inner session must not load them."""
    return session.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:textual-snapshot", "-p", "no:syrupy")


def a_test(body: str, marker: str = "") -> str:
    imports = "import asyncio, multiprocessing, os, subprocess, sys, threading\nimport pytest\n\n"
    return f"{imports}{marker}\ndef test_starts():\n{textwrap.indent(body, '    ')}\n"


@pytest.mark.parametrize("how", STARTS)
def test_a_test_not_marked_slow_that_starts_a_process_fails_and_says_to_mark_it(
    session: pytest.Pytester, how: str
) -> None:
    session.makepyfile(test_starts=a_test(STARTS[how]))
    result = run(session)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([REFUSED.format("test_starts.py::test_starts")])


def test_a_fixture_that_starts_a_process_fails_the_test_not_marked_slow_that_asks_for_it(
    session: pytest.Pytester,
) -> None:
    session.makepyfile(
        test_fixture="""
        import subprocess, sys
        import pytest

        @pytest.fixture(scope="module")
        def recorded():
            return subprocess.run([sys.executable, "-c", "pass"])

        def test_uses_it(recorded):
            pass
        """
    )
    result = run(session)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([REFUSED.format("test_fixture.py::test_uses_it")])


@pytest.mark.slow
def test_a_test_marked_slow_may_start_a_process(session: pytest.Pytester) -> None:
    body = "assert subprocess.run([sys.executable, '-c', 'print(6 * 7)'], capture_output=True).stdout == b'42\\n'"
    session.makepyfile(test_starts=a_test(body, "@pytest.mark.slow"))
    run(session).assert_outcomes(passed=1)


def test_the_guard_puts_every_route_back_when_its_session_ends(session: pytest.Pytester) -> None:
    before = [getattr(owner, name, None) for owner, name in process_guard.ROUTES]
    session.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    run(session).assert_outcomes(passed=1)
    assert [getattr(owner, name, None) for owner, name in process_guard.ROUTES] == before
