"""The recording process: it runs the user's program (`main`), turns what the schedulers do into frames
(`recorder`), explains a deadlock, and places tracebacks on the user's lines.

Started by a viewer as `python -m tui.engine.recording FILE --out-fd N`.
"""
