"""Provides the kernel's WaitProbe once threading is probed: a blocked thread's wait in its kind's words."""

from __future__ import annotations

from typing import Any

from tui.engine.kinds.kind import WaitOn
from tui.engine.kinds.registry import for_threads
from tui.engine.threads import probes as thread_probes


class ThreadWaitProbe:
    """Which of the program's primitives a blocked thread is in (its call chain), and what that kind says."""

    resource_in_chain = staticmethod(thread_probes.resource_in_chain)
    joined_thread = staticmethod(thread_probes.joined_thread)

    def wait_words(self, recorder: Any, obj: Any, role: str | None) -> str:
        wait, kind = self._wait(recorder, obj, role)
        return kind.words(wait) if kind is not None else f"waits for {wait.shown}"

    def holders_of(self, recorder: Any, obj: Any, role: str | None) -> list[str]:
        wait, kind = self._wait(recorder, obj, role)
        return kind.holders(wait) if kind is not None else []

    @staticmethod
    def _wait(recorder: Any, obj: Any, role: str | None) -> tuple[WaitOn, Any]:
        rid = obj.__dict__["_cc_rid"]
        return WaitOn(obj, recorder.shown(rid), recorder.name_of, role=role), for_threads(recorder.kind_of(rid))
