"""Makes a viewer's pty (its stdin) the controlling terminal of its new session, then becomes the app.

`python -m tui.serve.tty PARENT PROGRAM ARGS...`: the server starts each
viewer's app through this, in a session of its own, so the pty is the app's
terminal as a login's is: the kernel tells it of window sizes (SIGWINCH) and
hangs it up (SIGHUP) when the pty's other end closes, even if the server is killed.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys
import termios

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def main(argv: list[str]) -> None:
    parent, program = int(argv[0]), argv[1:]
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    try:  # and a hangup when the server ends, however it ends (kept across the exec below)
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGHUP, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the server ended before the signal was asked for
        raise SystemExit(1)
    os.execv(program[0], program)


if __name__ == "__main__":
    main(sys.argv[1:])
