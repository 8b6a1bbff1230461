"""Provides the widgets of the stepping screen; each renders (trace, cursor) and nothing else."""
