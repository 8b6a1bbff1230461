"""Lets `python -m tui` behave like the `concur-tui` command."""

from tui.cli import main

raise SystemExit(main())
