"""The thread side: the kernel that schedules every thread deterministically, the simulated lock
threading is built on, the probes on threading's primitives, and virtual time for blocking calls."""
