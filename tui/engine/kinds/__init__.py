"""Declares every kind of resource once, per family, for asyncio and threading together.

A family module (locks, semaphores, events, conditions, queues, barriers,
futures, executors, sockets) says, for each kind and each API that makes it:
its state in a frame, what a waiter waits for in words, who holds it (the
edges of a wait-for graph) and which line a waiter stands in. The recorder,
the deadlock report and the kernel's description of a blocked thread read
them in `registry`; the probes (aio.probes, threads.probes) only say when a resource
is made and when it changed.

Adding a kind: declare it in its family's module (a new family module is listed in registry.FAMILIES),
and give its state fields in tui.trace.format.RESOURCE_STATES.
"""
