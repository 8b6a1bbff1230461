"""Simulated processes: multiprocessing and the process executor, in virtual time.

A map, each module standing on those above it:

- `identity`: which process is running (current_process(), os.getpid(), its
  parent and children) and the kernel that runs them all;
- `fork`: the copy of a process's memory a child starts with, and the objects
  every process shares;
- `pickles`: the pickling of everything sent between processes;
- `ipc`: queues, pipes, shared values and locks;
- `process`: multiprocessing.Process, from start() to its exit code;
- `worker`: the loop a worker process of a Pool or an executor runs;
- `pool`: multiprocessing.Pool;
- `executor`: concurrent.futures.ProcessPoolExecutor;
- `manager`: multiprocessing.Manager() and its proxies;
- `context`: multiprocessing as the program sees it, and install().

What they keep across processes (queues, exit handlers, executors, proxies)
is the recording's: `tui.engine.runtime.RUN.processes`.
"""
