"""A run being written by a live process cannot be resumed by another; a killed one can, at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ratings_to_plex.errors import JournalError
from ratings_to_plex.journal import JournalDB
from ratings_to_plex.runlock import RunLock, held_elsewhere

_HOLDER = """
import sys, time
from pathlib import Path
from ratings_to_plex.runlock import RunLock
lock = RunLock(Path(sys.argv[1]), 7)
assert lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def hold_in_child(folder: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(folder)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_live_holder_blocks_and_a_killed_one_does_not(tmp_path: Path) -> None:
    child = hold_in_child(tmp_path)
    try:
        assert held_elsewhere(tmp_path, 7)
        assert not RunLock(tmp_path, 7).acquire()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 5
    while held_elsewhere(tmp_path, 7) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not held_elsewhere(tmp_path, 7)
    mine = RunLock(tmp_path, 7)
    assert mine.acquire()
    mine.release()
    assert not mine.path.exists()


def test_reopen_refuses_a_run_still_running_elsewhere(tmp_path: Path) -> None:
    journal = JournalDB(tmp_path / "journal.sqlite3")
    recorder = journal.start_run([], kind="sync", file="x.csv")
    recorder.finish("stopped", {})  # interrupted: its lock is released, so it can be resumed
    assert not journal.running_elsewhere(recorder.run_id)
    journal.execute("INSERT INTO runs (id, started_at, kind) VALUES (7, 0, 'sync')")
    child = hold_in_child(tmp_path)  # another process is writing run 7
    try:
        assert journal.running_elsewhere(7)
        with pytest.raises(JournalError, match="still running in another process"):
            journal.recorder(7).reopen()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    journal.recorder(7).reopen()  # the holder died: resumable at once
