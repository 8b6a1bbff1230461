"""Provides the errors the engine raises at the user's program."""

from __future__ import annotations


class UnsupportedInSimulation(NotImplementedError):
    """Raised when a program asks for something the simulation cannot model.

    It names what was asked so the user sees, at their own line, which call to
    replace; it is never a hang.
    """

    def __init__(self, what: str, hint: str = "") -> None:
        message = f"concur-tui does not simulate {what}"
        if hint:
            message += f": {hint}"
        super().__init__(message)


class DeadlockError(RuntimeError):
    """Raised by a standalone loop when nothing can ever run again.

    CPython's loop would block forever in `select()`; the virtual loop knows no
    timer and no thread can wake it, so it says so instead of hanging.
    """

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report
