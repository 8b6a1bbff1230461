"""Provides the loop every worker process of a Pool or a ProcessPoolExecutor runs, and what it sends back.

A worker takes a task from its task queue (the function, its arguments and
how to call it, pickled), runs it and puts the pickled outcome on the results
queue, until it takes STOP. An executor's worker also tells its manager when
its initializer failed (INIT_FAILED) or it ended abruptly (WORKER_DIED):
either breaks the executor, as in concurrent.futures.process.
"""

from __future__ import annotations

import sys
from typing import Any

from tui.engine.processes.identity import the_kernel
from tui.engine.processes.ipc import SimQueue
from tui.engine.processes.pickles import dumps, loads
from tui.engine.runtime import RUN

STOP = None
"""What a worker takes from its task queue, or a results handler from its results queue, to end."""
INIT_FAILED = "initializer failed"
"""What an executor's worker sends back when its initializer raised, before it exits."""
WORKER_DIED = "worker died"
"""What the manager of an executor hears when one of its workers ended abruptly."""


def pool_worker(
    tasks: SimQueue, results: SimQueue, initializer: Any, initargs: tuple[Any, ...], executor: bool = False
) -> None:
    """The loop every pool worker process runs: take a task, run it, send the result back."""
    if initializer is not None:
        if not executor:
            initializer(*initargs)
        else:
            try:
                initializer(*initargs)
            except BaseException as exc:
                # concurrent.futures.process logs it and the worker exits: the pool is broken.
                import logging

                shown = (type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None)  # not this frame
                logging.getLogger("concurrent.futures").critical("Exception in initializer:", exc_info=shown)
                results.put(INIT_FAILED)
                sys.exit(1)
    if executor:
        # A worker that dies mid-call (os._exit) breaks the executor: its manager hears of it,
        # as CPython's watches the workers' sentinels.
        RUN.processes.abrupt_exit_hooks[the_kernel().proc.pid] = lambda: results.put(WORKER_DIED)
    # An executor's worker sends back any exception, SystemExit too; a Pool's, only Exceptions.
    caught = BaseException if executor else Exception
    while True:
        item = tasks.get()
        if item is STOP:
            break
        job, index, payload = item
        try:
            function, arguments, mode = loads(payload)
            if mode == "call":
                args, kwargs = arguments
                value = function(*args, **kwargs)
            elif mode == "star":
                value = [function(*args) for args in arguments]
            else:
                value = [function(arg) for arg in arguments]
            outcome = (True, value)
        except caught as exc:
            outcome = (False, exc)
        try:
            data = dumps(outcome)
        except Exception as exc:  # the result cannot travel back
            data = dumps((False, RuntimeError(f"Error sending result: {outcome[1]!r}. Reason: {exc!r}")))
        results.put((job, index, data))
    RUN.processes.abrupt_exit_hooks.pop(the_kernel().proc.pid, None)
