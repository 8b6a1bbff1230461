"""Provides close(): the recorded program cannot reach beyond the simulation, enforced twice.

Above Python, stand-ins replace every function Python offers as a route to a
real process, a real signal, a real socket, a terminal or another process's
/proc entries: each raises UnsupportedInSimulation at the user's line. Beneath
Python, a seccomp filter (through libseccomp) stops the same system calls
when C code makes them (ctypes, a C extension): the kernel stops the run
with SIGSYS, and faulthandler's last words name the user's line. Landlock
closes /dev (but for its harmless devices) and /proc (but for this process
and a few read-only entries) to every route, a dir_fd or ctypes included. A
route no layer closes is listed in the README ("The closed simulation").

The recording process also has no controlling terminal (the viewer starts
it in a session of its own, so /dev/tty cannot be opened), and it gives up
CAP_SYS_PTRACE, so it cannot read the memory of a viewer that made itself
non-dumpable (tui.sources does), even as root.
"""

from __future__ import annotations

import ctypes
import errno
import faulthandler
import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from tui.engine.errors import UnsupportedInSimulation
from tui.engine.unsupported import refusal

NO_PROCESSES = "multiprocessing and concurrent.futures are simulated; real processes are not"
NO_SIGNALS = "only os.kill() of a simulated process (SIGTERM, SIGKILL) is simulated"
NO_SOCKETS = "socket.socket() (TCP) and socketpair() are simulated; a real socket is not"

_PROCESS_CALLS = {
    "system": "os.system()",
    "posix_spawn": "os.posix_spawn()",
    "posix_spawnp": "os.posix_spawnp()",
    "fork": "os.fork()",
    "forkpty": "os.forkpty() / pty.fork()",
    "execv": "os.exec*()",
    "execve": "os.exec*()",
}
"""posix's functions that start or become a real process (os re-exports them; the os.exec*/spawn*
helpers written in Python call these)."""
_SIGNAL_CALLS = {"kill": "os.kill()", "killpg": "os.killpg()"}
_SAFE_DEVICES = frozenset(("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"))


def refused_path(path: str, own_pid: int) -> str | None:
    """Why `path` (already resolved) is out of bounds, or None: terminals, devices, other processes."""
    if path.startswith("/dev/"):
        if path in _SAFE_DEVICES or path.startswith("/dev/shm/"):
            return None
        return f"opening {path}" + (" (a terminal)" if "tty" in path or "/pts" in path else "")
    if path.startswith("/proc/"):
        entry = path[6:].split("/", 1)[0]
        # /proc/self resolves to /proc/<own pid>; other numbers are other processes (the viewer among them).
        if entry.isdigit() and int(entry) != own_pid:
            return f"opening {path} (another process's /proc entry)"
    return None


def _resolved(path: Any) -> str | None:
    """The path to check, or None. Only a path that names /dev or /proc is resolved (realpath
    costs system calls, and every import opens files): a symbolic link elsewhere that leads there
    is Landlock's to stop, with PermissionError instead of this message."""
    if isinstance(path, int):
        return None  # an open file descriptor: already the program's own
    try:
        text = os.path.abspath(os.fsdecode(path))
    except (TypeError, ValueError):
        return None
    return os.path.realpath(text) if text.startswith(("/dev/", "/proc/")) else None


def _refuse_processes_and_signals() -> None:
    """posix's routes to a real process or a real signal, refused in posix and wherever os still
    holds the real function (os.system, os.kill and friends are the simulation's own already)."""
    import posix

    stand_ins = {name: refusal(f"real processes ({what})", NO_PROCESSES) for name, what in _PROCESS_CALLS.items()}
    stand_ins |= {name: refusal(f"real signals ({what})", NO_SIGNALS) for name, what in _SIGNAL_CALLS.items()}
    for name, stand_in in stand_ins.items():
        real = getattr(posix, name, None)
        if real is None:
            continue
        if getattr(os, name, None) is real:
            setattr(os, name, stand_in)
        setattr(posix, name, stand_in)


def _guard_opens(own_pid: int) -> None:
    """open(), io.open() and os.open() refuse a terminal, a device or another process's /proc entry.

    Only these named routes get the clear message; every other one (io.FileIO,
    a dir_fd, C code) meets Landlock beneath, with PermissionError.
    """
    import _io
    import builtins
    import io
    import posix

    def refuse_path(path: Any) -> None:
        resolved = _resolved(path)
        if resolved is not None and (why := refused_path(resolved, own_pid)) is not None:
            raise UnsupportedInSimulation(why, "a recorded program reaches only its own files")

    def guarded(real: Callable[..., Any], first: str) -> Callable[..., Any]:
        @functools.wraps(real)
        def guarded_call(*args: Any, **kwargs: Any) -> Any:
            refuse_path(args[0] if args else kwargs.get(first))
            return real(*args, **kwargs)

        return guarded_call

    # builtins.open, io.open and _io.open are one function: one stand-in for all three.
    open_ = guarded(builtins.open, "file")
    builtins.open = io.open = _io.open = open_
    os_open = guarded(posix.open, "path")
    if os.open is posix.open:
        os.open = os_open
    posix.open = os_open


def _refuse_real_sockets() -> None:
    """_socket.socket is refused: socket.socket is the simulation's (tui.engine.network.sockets),
    and a subclass keeps `class socket(_socket.socket)` valid should the socket module be reloaded."""
    import _socket

    real = _socket.socket

    class RealSocket(real):  # type: ignore[valid-type,misc]  # _socket's stubs type it as a function alias
        __slots__ = ()

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            raise UnsupportedInSimulation("real sockets (_socket.socket)", NO_SOCKETS)

    RealSocket.__name__ = RealSocket.__qualname__ = "socket"
    RealSocket.__module__ = "_socket"
    _socket.socket = _socket.SocketType = RealSocket  # type: ignore[misc]  # the stubs call it a class; it is a module attribute


def _note_foreign_lookups() -> None:
    """Every C function looked up through ctypes (CDLL, PyDLL and their subclasses) is named, with its line."""
    real_lookup = ctypes.CDLL.__getitem__

    def lookup(library: Any, name_or_ordinal: Any) -> Any:
        if isinstance(name_or_ordinal, str):
            _note_foreign_lookup(name_or_ordinal, sys._getframe(1))
        return real_lookup(library, name_or_ordinal)

    ctypes.CDLL.__getitem__ = lookup  # type: ignore[method-assign,assignment]


_CTYPES_DIR = os.path.dirname(ctypes.__file__)
FOREIGN_LOOKUP = "concur-tui: ctypes looked up {name} at {where}"
"""A line on stderr each time the program finds a C function through ctypes (once per name).

If that function then breaks the seccomp filter with every signal blocked
(the C library's system() and posix_spawn() block them), the kernel kills
the process before faulthandler can say where; the viewer names this line.
"""


def _note_foreign_lookup(name: str, frame: Any) -> None:
    while frame is not None and frame.f_code.co_filename.startswith(_CTYPES_DIR):
        frame = frame.f_back  # CDLL.__getattr__ and friends: the program's line is further out
    where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}" if frame is not None else "?"
    line = FOREIGN_LOOKUP.format(name=name, where=where)
    try:
        os.write(2, line.encode("utf-8", "backslashreplace") + b"\n")
    except OSError:
        pass


def _refuse_the_rest() -> None:
    """_posixsubprocess (subprocess's route to fork and exec), real timer signals, signals to threads."""
    import _posixsubprocess

    _posixsubprocess.fork_exec = refusal("real processes (_posixsubprocess.fork_exec())", NO_PROCESSES)
    import _signal  # type: ignore[import-not-found]  # no stubs: signal re-exports it

    no_timers = "time here is virtual: use time.sleep() or threading.Timer"
    refusals = {
        "alarm": refusal("real timer signals (signal.alarm())", no_timers),
        "setitimer": refusal("real timer signals (signal.setitimer())", no_timers),
        "pidfd_send_signal": refusal("real signals (signal.pidfd_send_signal())", NO_SIGNALS),
        "pthread_kill": refusal("real signals (signal.pthread_kill())", NO_SIGNALS),
    }
    for module in (signal, _signal):  # signal's functions are _signal's, imported
        for name, stand_in in refusals.items():
            if hasattr(module, name):
                setattr(module, name, stand_in)


# -- beneath Python ---------------------------------------------------------------

CLONE_THREAD = 0x00010000
PR_SET_PDEATHSIG = 1
CAP_SYS_PTRACE = 19


def seccomp_filter(own_pid: int) -> Any:
    """The kernel's half: process creation, exec, signals to others, tracing, sockets.

    A thread is a clone() with CLONE_THREAD and stays allowed; clone3() gets
    ENOSYS, so the C library falls back to clone(), whose flags can be checked.
    Sockets and timers fail with an error the C code can handle (the C
    library probes sockets for name lookups); the rest stops the run.
    """
    import pyseccomp as sc  # type: ignore[import-untyped]  # a ctypes binding of libseccomp, untyped

    rules = sc.SyscallFilter(defaction=sc.ALLOW)
    rules.set_attr(sc.Attr.CTL_TSYNC, 1)  # every thread of the process, should one already run
    for call in ("execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev"):
        rules.add_rule(sc.TRAP, call)
    for call in ("tkill", "pidfd_send_signal"):
        rules.add_rule(sc.TRAP, call)
    rules.add_rule(sc.TRAP, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    # Signals only to this process itself (raise(), pthread_kill() of its own threads).
    for call in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        rules.add_rule(sc.TRAP, call, sc.Arg(0, sc.NE, own_pid))
    for call in ("socket", "socketpair", "io_uring_setup", "alarm", "setitimer", "timer_create"):
        rules.add_rule(sc.ERRNO(errno.EACCES), call)
    # The death signal set at start-up (tui.engine.recording.main) stays: the recording ends with its viewer.
    rules.add_rule(sc.ERRNO(errno.EPERM), "prctl", sc.Arg(0, sc.EQ, PR_SET_PDEATHSIG))
    return rules


# Landlock (Linux 5.13+): which files the process may open, whatever route it takes.
_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_READ = 1 << 2 | 1 << 3  # READ_FILE, READ_DIR
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
"""Every filesystem right each ABI knows (ABI 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV)."""
_DEVICES_ALLOWED = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/shm")
_PROC_READABLE = ("cpuinfo", "meminfo", "stat", "loadavg", "uptime", "version", "sys", "filesystems", "mounts")
O_PATH = 0o10000000


class _RulesetAttr(ctypes.Structure):
    _fields_ = (("handled_access_fs", ctypes.c_uint64),)


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def restrict_files(own_pid: int) -> None:
    """Landlock: everything but /dev and /proc as before; of those, only the harmless devices,
    a few of /proc's read-only entries, and this process's own /proc/<pid>.

    It is what the stand-in for open() says, enforced by the kernel: no
    terminal device (/dev/pts/*), no other process's /proc entry, by any route
    (a dir_fd, ctypes, a C extension). Raises OSError where Landlock is missing.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(_LANDLOCK_CREATE_RULESET, None, 0, _LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        raise OSError(ctypes.get_errno(), "Landlock is not available")
    every = _FS_RIGHTS_BY_ABI[max(known for known in _FS_RIGHTS_BY_ABI if known <= abi)]
    attr = _RulesetAttr(every)
    ruleset = libc.syscall(_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        grants = [(f"/{entry}", every) for entry in os.listdir("/") if entry not in ("dev", "proc")]
        grants += [(device, every) for device in _DEVICES_ALLOWED]
        grants += [(f"/proc/{entry}", _FS_READ) for entry in _PROC_READABLE] + [(f"/proc/{own_pid}", every)]
        for path, rights in grants:
            _allow(libc, ruleset, path, rights)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, which Landlock requires
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _allow(libc: Any, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this machine: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)  # a file takes file rights only
        beneath = _PathBeneathAttr(rights, fd)
        if libc.syscall(_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(beneath), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule({path}) failed")
    finally:
        os.close(fd)


def _drop_ptrace_capability() -> None:
    """Give up CAP_SYS_PTRACE (root has it): without it /proc/<viewer>/mem stays closed."""
    libc = ctypes.CDLL(None, use_errno=True)

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32))

    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two data words
    data = (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        return
    mask = ~(1 << CAP_SYS_PTRACE) & 0xFFFFFFFF
    data[0].effective &= mask
    data[0].permitted &= mask
    data[0].inheritable &= mask
    libc.capset(ctypes.byref(header), data)


def refuse_at_the_users_line(own_pid: int) -> None:
    """The stand-ins for Python's routes out, installed last, right before the program's first line,
    over the simulation's own (os.system, os.kill and socket.socket stay the simulation's).

    No audit hook (PEP 578): with one installed, every audited event pays for
    CPython building its arguments and calling the hook, and the engine's own
    frame reads (`cr_frame`, `f_code`, `sys._getframe`) are audited events, a
    quarter of a recording's time. Replacing the functions costs nothing
    until the program calls them; what a replaced name misses, the kernel's
    layers stop.

    `own_pid` is this process's real pid, read before the simulation was installed: by now
    os.getpid() answers with the simulated one.
    """
    _refuse_processes_and_signals()
    _refuse_real_sockets()
    _guard_opens(own_pid)
    _note_foreign_lookups()
    _refuse_the_rest()


def close(stderr: int) -> str | None:
    """Close the simulation for the program about to run; None, or the one line saying what is not enforced.

    Called once, in the recording process, before any thread of it exists
    (threads inherit both kernel layers); refuse_at_the_users_line() follows,
    right before the program's first line.
    """
    own_pid = os.getpid()
    missing = []
    try:
        restrict_files(own_pid)
    except OSError as exc:  # a kernel without Landlock
        missing.append(f"file access: {exc.strerror or exc}")
    try:
        _drop_ptrace_capability()
        # SIGSYS from the filter: write the Python stack (the user's line) before the process dies.
        faulthandler.register(signal.SIGSYS, file=stderr, all_threads=False, chain=True)
        seccomp_filter(own_pid).load()
    except Exception as exc:  # no libseccomp, no pyseccomp, or a kernel without seccomp
        missing.append(f"system calls: {str(exc).strip() or type(exc).__name__}")
    if not missing:
        return None
    return (
        f"the kernel does not enforce the closed simulation here ({'; '.join(missing)});"
        " Python-level refusals still apply"
    )
