"""The application session's rules, driven with no interface at all, through real HTTP to the emulator: identity is
the machine identifier (two servers with one name stay apart), one rule each for undo, resume and unfinished runs,
one writer per server and user, every file read before anything is written, a damaged journal named and set aside."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ratings_to_plex.app import (
    AppSession,
    Connection,
    Event,
    JournalCorrupt,
    LogLine,
    PlanOptions,
    ProgressUpdate,
    RunKind,
    RunStatus,
    SyncOptions,
)
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.errors import JournalError, SourceError, UsageError
from ratings_to_plex.runlock import RunLock, WriteLock

from .test_journal_helpers import csv_from_library, user_state

ALL = SyncOptions(all_libraries=True)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[AppSession]:
    s = AppSession(journal_path=tmp_path / "journal" / "journal.sqlite3", report_dir=tmp_path / "reports", workers=4)
    yield s
    s.close()


def synced(session: AppSession, conn: Connection, file: Path, **write: object) -> int:
    plan = session.preview(conn, session.read([file])[0], ALL)
    return session.write(conn, plan, **write).run_id  # type: ignore[arg-type]


def cancelled_run(session: AppSession, conn: Connection, file: Path, after: int = 5) -> int:
    cancel = threading.Event()

    def stop(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= after:
            cancel.set()

    plan = session.preview(conn, session.read([file])[0], SyncOptions(all_libraries=True,
                                                                      plan=PlanOptions(mark_watched=True)))
    summary = session.write(conn, plan, cancel=cancel, on_event=stop)
    assert summary.status is RunStatus.CANCELLED
    return summary.run_id


def test_two_servers_with_one_name_are_two_identities(same_name: tuple[Emulator, Emulator], session: AppSession,
                                                      tmp_path: Path) -> None:
    a_emu, b_emu = same_name
    a, b = session.connect_url(a_emu.url, a_emu.token), session.connect_url(b_emu.url, b_emu.token)
    assert a.name == b.name == "Plex Media Server" and a.identity != b.identity
    assert (a.identity.machine_id, b.identity.machine_id) == (a_emu.machine_identifier, b_emu.machine_identifier)
    csv_from_library(a_emu, tmp_path / "a.csv", 10, seed=1)
    before_b = user_state(b_emu)

    plan = session.preview(a, session.read([tmp_path / "a.csv"])[0], ALL)
    with pytest.raises(UsageError, match="preview was made for"):
        session.write(b, plan)  # the defect: a preview of one server written to the other
    assert user_state(b_emu) == before_b and b_emu.counters.writes() == 0
    run_id = session.write(a, plan).run_id

    assert [r.id for r in session.history(a.identity)] == [run_id]
    assert session.history(b.identity) == []
    assert "another server" in (session.undo_blocker(session.run(run_id), b.identity) or "")
    with pytest.raises(UsageError, match="another server"):
        session.plan_undo(b, run_id)
    assert b_emu.counters.writes() == 0
    undo = session.write(a, session.plan_undo(a, run_id))
    assert undo.kind is RunKind.UNDO and undo.status is RunStatus.DONE


def test_an_undone_run_is_refused_and_not_offered_for_resume(same_name: tuple[Emulator, Emulator],
                                                             session: AppSession, tmp_path: Path) -> None:
    emu = same_name[0]
    conn = session.connect_url(emu.url, emu.token)
    file = tmp_path / "r.csv"
    csv_from_library(emu, file, 30, seed=2)
    before = user_state(emu)
    run_id = cancelled_run(session, conn, file)
    assert session.unfinished_run(file, conn.identity).id == run_id  # type: ignore[union-attr]
    assert session.resume_blocker(session.run(run_id), conn.identity) is None

    undo = session.write(conn, session.plan_undo(conn, run_id))
    assert undo.status is RunStatus.DONE and user_state(emu) == before
    run = session.run(run_id)
    assert run.undone_by == undo.run_id
    assert session.unfinished_run(file, conn.identity) is None  # an undone run is not "unfinished"
    assert "already undone by run" in (session.undo_blocker(run) or "")
    with pytest.raises(UsageError, match="already undone"):
        session.plan_undo(conn, run_id)
    with pytest.raises(UsageError, match="was undone"):
        session.plan_resume(conn, run_id)


def test_undo_refuses_a_run_another_process_is_writing(same_name: tuple[Emulator, Emulator], session: AppSession,
                                                       tmp_path: Path) -> None:
    emu = same_name[0]
    conn = session.connect_url(emu.url, emu.token)
    csv_from_library(emu, tmp_path / "w.csv", 20, seed=3)
    run_id = cancelled_run(session, conn, tmp_path / "w.csv")
    writer = RunLock(session.journal_path.parent, run_id)  # what a live writer holds
    assert writer.acquire()
    try:
        with pytest.raises(UsageError, match="still being written by another process"):
            session.plan_undo(conn, run_id)
        with pytest.raises(JournalError, match="still running in another process"):
            session.plan_resume(conn, run_id)
    finally:
        writer.release()
    assert session.plan_undo(conn, run_id).writes


def test_undo_last_counts_writes_a_killed_run_left_in_flight(same_name: tuple[Emulator, Emulator],
                                                             session: AppSession, tmp_path: Path) -> None:
    emu = same_name[0]
    conn = session.connect_url(emu.url, emu.token)
    csv_from_library(emu, tmp_path / "k.csv", 12, seed=4)
    run_id = cancelled_run(session, conn, tmp_path / "k.csv", after=1)
    journal = session.journal()
    # As after kill -9: nothing journaled `applied`, but writes were in flight (journaled `writing`) or failed.
    journal.execute("UPDATE changes SET state='writing' WHERE run_id=? AND state='applied'", (run_id,))
    journal.execute("UPDATE runs SET status='running' WHERE id=?", (run_id,))
    run = session.run(run_id)
    assert run.applied == 0 and run.possibly_written > 0
    assert session.undo_target(None)[0].id == run_id  # was "Nothing to undo"
    assert session.undo_blocker(run, conn.identity) is None


def test_one_writer_per_server_and_user(same_name: tuple[Emulator, Emulator], session: AppSession,
                                        tmp_path: Path) -> None:
    a_emu, b_emu = same_name
    a, b = session.connect_url(a_emu.url, a_emu.token), session.connect_url(b_emu.url, b_emu.token)
    csv_from_library(a_emu, tmp_path / "a.csv", 5, seed=5)
    csv_from_library(b_emu, tmp_path / "b.csv", 5, seed=5)
    other = WriteLock(session.journal_path.parent, a.identity.key)  # another process writing to A
    assert other.acquire()
    try:
        plan = session.preview(a, session.read([tmp_path / "a.csv"])[0], ALL)
        with pytest.raises(UsageError, match="Another run is writing to Plex Media Server"):
            session.write(a, plan)
        assert session.write(a, plan, dry_run=True).status is RunStatus.DRY_RUN  # a dry run writes nothing
        assert synced(session, b, tmp_path / "b.csv")  # the other server is free
    finally:
        other.release()
    assert a_emu.counters.writes() == 0
    assert session.write(a, plan).status is RunStatus.DONE


def test_every_file_is_read_before_anything_is_written(same_name: tuple[Emulator, Emulator], session: AppSession,
                                                       tmp_path: Path) -> None:
    emu = same_name[0]
    csv_from_library(emu, tmp_path / "good.csv", 5, seed=6)
    (tmp_path / "bad.csv").write_text("not,an,export\n1,2,3\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.csv"):
        session.read([tmp_path / "good.csv", tmp_path / "bad.csv"])
    assert emu.counters.writes() == 0


def test_a_damaged_journal_is_named_dry_runs_still_work_and_it_can_be_moved_aside(
        same_name: tuple[Emulator, Emulator], session: AppSession, tmp_path: Path) -> None:
    emu = same_name[0]
    session.journal_path.parent.mkdir(parents=True)
    session.journal_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalCorrupt) as damaged:
        session.history()
    assert str(session.journal_path) in str(damaged.value) and "--move-journal-aside" in str(damaged.value)

    conn = session.connect_url(emu.url, emu.token)
    csv_from_library(emu, tmp_path / "d.csv", 5, seed=7)
    lines: list[str] = []
    plan = session.preview(conn, session.read([tmp_path / "d.csv"])[0], ALL)
    summary = session.write(conn, plan, dry_run=True,
                            on_event=lambda e: lines.append(e.text) if isinstance(e, LogLine) else None)
    assert summary.status is RunStatus.DRY_RUN and any("not recorded" in line for line in lines)
    with pytest.raises(JournalCorrupt):
        session.write(conn, plan)  # a real write needs its journal
    assert emu.counters.writes() == 0

    aside = session.move_journal_aside()
    assert aside.exists() and aside.read_bytes().startswith(b"this is not")
    assert session.history() == []
    assert session.write(conn, plan).status is RunStatus.DONE


def test_the_session_writes_with_its_worker_count(same_name: tuple[Emulator, Emulator], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from ratings_to_plex import executor

    seen: list[int] = []
    real = executor.apply_plan

    def recording(*args: object, **kwargs: object) -> object:
        seen.append(int(kwargs["workers"]))  # type: ignore[call-overload]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(executor, "apply_plan", recording)
    emu = same_name[0]
    session = AppSession(journal_path=tmp_path / "j" / "journal.sqlite3", report_dir=tmp_path / "r", workers=3)
    conn = session.connect_url(emu.url, emu.token)
    csv_from_library(emu, tmp_path / "n.csv", 8, seed=8)
    run_id = cancelled_run(session, conn, tmp_path / "n.csv", after=2)
    session.write(conn, session.plan_resume(conn, run_id))
    session.write(conn, session.plan_undo(conn, run_id))
    assert seen and set(seen) == {3}  # sync, resume and undo alike
