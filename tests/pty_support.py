"""A real `ratings-to-plex` process on a pseudo-terminal (POSIX only): what only a real terminal shows — prompts, hidden
input, the terminal's own ^C. Import it inside a test or module that is skipped on Windows."""

from __future__ import annotations

import os
import select
import signal
import sys
import time


def spawn_cli(args: list[str], term: str = "dumb") -> tuple[int, int]:
    """Start the CLI on a new pseudo-terminal; returns (pid, the terminal's master side)."""
    import pty  # POSIX only

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "TERM": term,
           "COLUMNS": "100", "LINES": "40"}
    env.pop("CI", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: on the new terminal, with ^C acting as on any terminal (an ignored SIGINT would
        # survive exec: the test process may have been started with it ignored)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(sys.executable, [sys.executable, "-m", "ratings_to_plex", *args], env)
    return pid, fd


def read_until(fd: int, marker: bytes | None, timeout: float = 60) -> bytes:
    """Read the terminal until `marker` shows (None: until the process closes it)."""
    seen = b""
    deadline = time.monotonic() + timeout
    poller = select.poll()  # not select.select: it cannot watch a descriptor numbered above 1023
    poller.register(fd, select.POLLIN)
    while time.monotonic() < deadline:
        if not poller.poll(500):
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side closed
            return seen
        if not chunk:
            return seen
        seen += chunk
        if marker is not None and marker in seen:
            return seen
    raise AssertionError(f"timed out waiting for {marker!r}: {seen.decode(errors='replace')}")


def wait_exit_code(pid: int) -> int:
    """The spawned process's exit code, once it has ended."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
