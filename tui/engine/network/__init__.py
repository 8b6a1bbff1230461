"""The simulated network: addresses, packets and latency, sockets on top of it, and select/poll over them."""
