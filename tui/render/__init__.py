"""Provides Rich renderables of trace objects (no Textual here)."""
