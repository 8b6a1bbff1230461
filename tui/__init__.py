"""concur-tui: watch how concurrent Python is scheduled, frame by frame."""

__version__ = "0.1.0"
