"""Background jobs: several followers read one job's events from their own position; one writing job per server and
user; errors become a plain message; cancel ends the job as cancelled. Then a real write job against the emulator."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ratings_to_plex.app import (
    AppSession,
    Identity,
    Job,
    JobBusy,
    JobEnded,
    JobFailed,
    JobRunner,
    JobState,
    LogLine,
    ProgressUpdate,
    RunFinished,
    SyncOptions,
)
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.errors import PlexConnectionError

from .test_journal_helpers import csv_from_library

HOME = Identity("machine-a", None, "Home", "http://a:32400")
SAME_NAME = Identity("machine-b", None, "Home", "http://b:32400")


def test_followers_each_read_every_event_from_their_own_position() -> None:
    runner = JobRunner()
    gate = threading.Event()

    def work(job: Job) -> str:
        job.log("one")
        gate.wait(5)
        job.emit(ProgressUpdate(1, 2))
        job.log("two")
        return "result"

    job = runner.start("preview", work)
    first = job.events(0, timeout=5)
    assert first == [LogLine("one")]
    gate.set()
    assert job.wait(5) and job.state is JobState.DONE and job.result == "result"
    tab_a, tab_b = job.events(len(first)), job.events(0)
    assert tab_a == [ProgressUpdate(1, 2), LogLine("two"), JobEnded(JobState.DONE, "result")]
    assert tab_b == first + tab_a and job.progress == ProgressUpdate(1, 2)
    assert runner.get(job.id) is job and job in runner.jobs() and not runner.running()


def test_one_writing_job_per_server_and_user() -> None:
    runner = JobRunner()
    release = threading.Event()
    first = runner.start("sync", lambda job: release.wait(5), identity=HOME, writes=True)
    with pytest.raises(JobBusy, match="already being written to Home"):
        runner.start("undo", lambda job: None, identity=HOME, writes=True)
    other = runner.start("sync", lambda job: None, identity=SAME_NAME, writes=True)  # same name, other server
    reader = runner.start("history", lambda job: None, identity=HOME)  # reading is never blocked
    assert other.wait(5) and reader.wait(5)
    release.set()
    assert first.wait(5)
    assert runner.start("undo", lambda job: None, identity=HOME, writes=True).wait(5)


def test_errors_are_messages_and_cancel_ends_cancelled() -> None:
    runner = JobRunner()

    def unreachable(job: Job) -> None:
        raise PlexConnectionError("Could not reach the server at http://a:32400 (connection refused).")

    failed = runner.start("preview", unreachable)
    assert failed.wait(5) and failed.state is JobState.FAILED
    assert failed.events()[-2:] == [JobFailed("Could not reach the server at http://a:32400 (connection refused)."),
                                    JobEnded(JobState.FAILED)]

    def bug(job: Job) -> None:
        raise KeyError("oops")

    crashed = runner.start("preview", bug)
    assert crashed.wait(5) and "This is a bug" in (crashed.error or "")

    job = runner.start("sync", lambda j: j.cancel.wait(5), identity=HOME, writes=True)
    runner.shutdown()
    assert job.state is JobState.CANCELLED


def test_a_write_job_follows_a_real_sync(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = emulator(movies=60, shows=0, seed=41)
    session = AppSession(journal_path=tmp_path / "j" / "journal.sqlite3", report_dir=tmp_path / "r")
    conn = session.connect_url(emu.url, emu.token)
    csv_from_library(emu, tmp_path / "r.csv", 20, seed=1)
    plan = session.preview(conn, session.read([tmp_path / "r.csv"])[0], SyncOptions(all_libraries=True))

    def write(job: Job) -> object:
        summary = session.write(conn, plan, cancel=job.cancel, on_event=job.emit)
        job.emit(RunFinished(summary))
        return summary

    job = JobRunner().start("sync", write, identity=conn.identity, writes=True)
    assert job.wait(30) and job.state is JobState.DONE
    events = job.events()
    assert job.progress == ProgressUpdate(20, 20, 0.0)
    assert sum(isinstance(e, LogLine) and e.text.startswith("Updated Plex rating") for e in events) == 20
    finished = next(e for e in events if isinstance(e, RunFinished))
    assert finished.summary is job.result and finished.summary.counts["Updated"] == 20
    session.close()
