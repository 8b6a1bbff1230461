"""Provides the deadlock report: who waits on what, held by whom, and the cycle."""

from __future__ import annotations

from typing import Any

from tui.engine.recording.recorder import Recorder
from tui.engine.threads.actors import LoopIdle
from tui.engine.threads.kernel import Kernel


def _find_cycle(edges: dict[str, list[tuple[str, str]]]) -> list[str]:
    """A cycle in the wait-for graph as [actor, resource, actor, ..., first actor], or []."""
    for start in edges:
        path: list[str] = []
        seen: set[str] = set()

        def visit(actor: str, path: list[str] = path, seen: set[str] = seen, start: str = start) -> list[str] | None:
            if actor in seen:
                if actor == start:
                    return [*path, actor]
                return None
            seen.add(actor)
            for resource, holder in edges.get(actor, ()):
                found = visit(holder, [*path, actor, resource])
                if found:
                    return found
            return None

        found = visit(start)
        if found:
            return found
    return []


def deadlock_report(recorder: Recorder, kernel: Kernel | None) -> dict[str, Any]:
    """Everything a user needs to see why nothing can run: waits, holders, cycle, in words."""
    sites = recorder.sites
    found: list[dict[str, Any]] = []
    edges: dict[str, list[tuple[str, str]]] = {}
    for tid, task in recorder.pending_tasks():
        fut = task._fut_waiter
        if fut is None:
            continue
        ref, obj, _until = recorder.future_ref(fut)
        stack = recorder.coro_stack(task.get_coro())
        if obj is not None:
            holders = recorder.resource_holders(ref, obj, fut)
            _role, words = recorder.resource_wait(ref, obj, fut)
        else:
            children = getattr(fut, "_children", None) or ()
            awaited_task = recorder.task_id(fut)
            if awaited_task is not None:
                holders = [awaited_task]
                words = f"waits for task {recorder.name_of(ref)} to finish"
            else:
                pending = [recorder.task_id(child) for child in children if not child.done()]
                holders = [child for child in pending if child]
                words = recorder.label_words(ref, fut)
        edges[tid] = [(ref, h) for h in holders]
        found.append(
            {
                "actor": tid,
                "name": recorder.name_of(tid),
                "on": ref,
                "wait": words,
                "holders": holders,
                "at": sites.describe(stack[-1]) if stack else None,
            }
        )
    if kernel is not None:
        for thread in kernel.blocked_threads():
            blocker = thread.blocked_on
            if isinstance(blocker, LoopIdle) or blocker is None:
                continue
            on, words = blocker.describe(kernel)
            holders = blocker.holders(kernel)
            edges[thread.tid] = [(on, h) for h in holders]
            found.append(
                {"actor": thread.tid, "name": thread.name, "on": on, "wait": words, "holders": holders, "at": None}
            )
    cycle = _find_cycle(edges)
    lines = ["deadlock: nothing is ready, no timer will fire, and the program has not finished"]
    for wait in found:
        where = f" (at {wait['at']})" if wait["at"] else ""
        lines.append(f"  {wait['name']} {wait['wait']}{where}")
    if cycle:
        named = []
        for position, item in enumerate(cycle):
            if position % 2 == 0:
                named.append(recorder.name_of(item))
            elif position + 1 < len(cycle) and cycle[position + 1] == item:
                named.append("join")  # waiting for a thread to end: the resource is the thread itself
            else:
                named.append(recorder.shown(item))
        lines.append("  cycle: " + " -> ".join(named))
    return {"waits": found, "cycle": cycle, "text": "\n".join(lines)}
