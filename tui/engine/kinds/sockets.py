"""Declares the socket family: a simulated TCP socket the program made (network.sockets)."""

from __future__ import annotations

from tui.engine.kinds.kind import Kind
from tui.engine.network.sockets import socket_state

KINDS = (Kind("Socket", "socket", "socket", socket_state),)
