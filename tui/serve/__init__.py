"""Provides `concur-tui serve`: the app over SSH, each viewer's in a process of its own.

The server process only relays bytes: it never imports the engine or the
Textual app, and it imports asyncssh only once `serve` runs (tui.serve.ssh).
"""
