"""Provides `concur-tui explore`: a search for the schedule that breaks a program.

The engine's decision point (tui.engine.schedule) answers to a policy; each
run of a search records the program under one (a random walk, PCT, or a
schedule of dfs's tree: tui.explore.dfs) in a recording process of its own,
and judges it by its trace: a deadlock, an uncaught exception (a failed
assert among them) in any thread. What it finds
is shrunk to the fewest deviations from the default schedule and saved as a
schedule file, which `concur-tui FILE --schedule S.json` replays exactly.
The search never imports the program: it reads traces, as every viewer does.
"""
