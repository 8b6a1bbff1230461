"""The asyncio side: the recorded event loop, its sockets and streams, and the probes on asyncio's primitives."""
