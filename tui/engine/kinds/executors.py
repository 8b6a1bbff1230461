"""Declares the executor family: a ThreadPoolExecutor the program made (a process pool is a process family)."""

from __future__ import annotations

from typing import Any

from tui.engine.kinds.kind import Kind
from tui.engine.threads.probes import thread_id_of


def executor_state(executor: Any) -> dict[str, Any]:
    threads = sorted((thread_id_of(t.ident) or "?" for t in list(executor._threads)), key=lambda tid: int(tid[2:] or 0))
    return {
        "max_workers": executor._max_workers,
        "workers": threads,
        "queued": executor._work_queue.qsize(),
        "shutdown": executor._shutdown,
    }


KINDS = (Kind("Executor", "executor", "concurrent.futures", executor_state),)
