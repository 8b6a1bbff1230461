"""Provides the recorded trace: its file format, and the state at any frame (stdlib only)."""
