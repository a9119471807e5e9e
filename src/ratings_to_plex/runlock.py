"""OS file locks beside the journal: one per run being written (so no other process resumes or undoes it
meanwhile), and one per server and Plex user being written to (so two runs never write to the same ratings at once).

The operating system drops a lock when its process dies — even on `kill -9` — so a crashed run is resumable at
once, while a run that is still going in another window, terminal or browser tab is recognised as such. The locks
are per open file, so they also keep two threads of one process apart.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import IO


class FileLock:
    """An exclusive, non-blocking OS file lock on `folder/name`."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / name
        self._handle: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another live process holds it."""
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
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


class RunLock(FileLock):
    """Held by the process writing run `run_id` (`run-<id>.lock`)."""

    def __init__(self, folder: Path, run_id: int) -> None:
        super().__init__(folder, f"run-{run_id}.lock")


class WriteLock(FileLock):
    """Held while anything writes to one server as one Plex user (`write-<hash of the identity key>.lock`)."""

    def __init__(self, folder: Path, identity_key: str) -> None:
        digest = hashlib.sha256(identity_key.encode()).hexdigest()[:16]
        super().__init__(folder, f"write-{digest}.lock")


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
