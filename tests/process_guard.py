"""A pytest plugin: a test not marked `slow` that starts a process fails, so `-m "not slow"` stays fast.

Every way this process can start another goes through one of ROUTES:
subprocess (and asyncio's, os.popen's) through its alias of
`_posixsubprocess.fork_exec` or `os.posix_spawn`; multiprocessing's spawn and forkserver through
`fork_exec`, its fork through `os.fork`; pty through `os.forkpty`; os.spawn*
through `os.fork`. The check runs before the process starts, and a refusal
swallowed on the way (say in the app's recording thread) still fails the
test when its phase ends.
"""

from __future__ import annotations

import _posixsubprocess
import functools
import os
import subprocess
from collections.abc import Callable, Generator
from typing import Any

import pytest

ROUTES: tuple[tuple[Any, str], ...] = (
    (subprocess, "_fork_exec"),  # subprocess's own alias of _posixsubprocess.fork_exec (3.11-3.13)
    (_posixsubprocess, "fork_exec"),
    (os, "posix_spawn"),
    (os, "posix_spawnp"),
    (os, "fork"),
    (os, "forkpty"),
    (os, "system"),
)
"""(module, function) pairs that start a process; each is wrapped by the guard."""


class StartedAProcess(OSError):
    """Raised in place of starting a process from a test that is not marked slow.

    An OSError, as when a process truly cannot start: code that handles that
    (the app's recording thread does) ends at once instead of waiting for output.
    """


class ProcessGuard:
    """Wraps every route in ROUTES and refuses it while a test not marked slow runs."""

    def __init__(self) -> None:
        self.test: str | None = None
        """The node id of the test whose phase runs now, if that test is not marked slow."""
        self.refused: list[str] = []
        self._originals: list[tuple[Any, str, Callable[..., Any]]] = []

    def install(self) -> None:
        for owner, name in ROUTES:
            original = getattr(owner, name, None)
            if original is not None:
                self._originals.append((owner, name, original))
                setattr(owner, name, self._wrap(f"{owner.__name__}.{name}", original))

    def uninstall(self) -> None:
        while self._originals:
            owner, name, original = self._originals.pop()
            setattr(owner, name, original)

    def _wrap(self, route: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.check(route)
            return original(*args, **kwargs)

        return guarded

    def check(self, route: str) -> None:
        if self.test is None:
            return
        message = (
            f"{self.test} started a process ({route}) but is not marked slow: mark it "
            "@pytest.mark.slow (or its module: pytestmark = pytest.mark.slow), "
            'so that `pytest -m "not slow"` starts no process'
        )
        self.refused.append(message)
        raise StartedAProcess(message)

    def watching(self, item: pytest.Item) -> Generator[None, object, object]:
        """The body of a runtest hook wrapper: refuse processes during the phase unless `item` is slow.

        A refusal fails the phase with its message, even if the test then failed
        some other way because of it (that other error would hide the cause).
        """
        self.test = None if item.get_closest_marker("slow") else item.nodeid
        self.refused.clear()
        result: object = None
        try:
            result = yield
        except Exception:
            if not self.refused:
                raise
        finally:
            self.test = None
        if self.refused:
            pytest.fail(self.refused[0], pytrace=False)
        return result


GUARD = pytest.StashKey[ProcessGuard]()


def pytest_configure(config: pytest.Config) -> None:
    guard = ProcessGuard()
    guard.install()
    config.stash[GUARD] = guard


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash[GUARD].uninstall()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from item.config.stash[GUARD].watching(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from item.config.stash[GUARD].watching(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    return (yield from item.config.stash[GUARD].watching(item))
