"""`python -m tui.engine.recording FILE --out-fd N`: the recording process's entry point."""

from tui.engine.recording.main import main

main()
