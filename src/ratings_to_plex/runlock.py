"""A per-run lock held by the process that is writing the run, so no other process resumes it meanwhile.

The operating system drops the lock when its process dies — even on `kill -9` — so a crashed run is resumable at
once, while a run that is still going in another window or terminal is recognised as such.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class RunLock:
    """An exclusive, non-blocking OS file lock on `run-<id>.lock` beside the journal."""

    def __init__(self, folder: Path, run_id: int) -> None:
        self.path = folder / f"run-{run_id}.lock"
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another live process holds it."""
        if self._handle is not None:
            return True
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        handle = os.fdopen(fd, "r+b")
        try:
            _lock(handle)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            self.path.unlink(missing_ok=True)
        finally:
            handle.close()  # closing drops the lock


def held_elsewhere(folder: Path, run_id: int) -> bool:
    """Whether another live process is writing this run right now."""
    probe = RunLock(folder, run_id)
    if not probe.path.exists():
        return False
    if probe.acquire():
        probe.release()
        return False
    return True


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
