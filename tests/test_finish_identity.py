"""The signed-in account is part of a run's identity (issue 16): another Plex account signing in under the same OS
user, on the same server, is refused undo and resume exactly like another Home user — through the strict emulator's
plex.tv (owner + friend) and the application session. Old journal rows (no account) keep working."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.app import AppSession, Connection, RunStatus, SyncOptions
from ratings_to_plex.app.accounts import fingerprint
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.emulator.users import OWNER_UUID, Person
from ratings_to_plex.errors import UsageError
from ratings_to_plex.journal import _SCHEMA, JournalDB
from ratings_to_plex.plex import credentials, servers
from tests.emulator_fixtures import plextv_emulator

from .test_journal_helpers import csv_from_library


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with plextv_emulator(monkeypatch, EmulatorConfig(movies=60, shows=1, episodes_per_show=1, seed=5)) as e:
        monkeypatch.setattr(servers, "_UUIDS", {})  # nothing learned about any token in this process yet
        credentials.save_token(e.token)  # the owner is signed in
        yield e


@pytest.fixture
def session(tmp_path: Path) -> Iterator[AppSession]:
    s = AppSession(journal_path=tmp_path / "data" / "journal.sqlite3", report_dir=tmp_path / "reports", workers=4)
    yield s
    s.close()


def friend(emu: Emulator) -> Person:
    found = emu.ctx.users.by_ref("friend")
    assert found is not None
    return found


def owner_ratings(emu: Emulator) -> dict[int, float | None]:
    return {k: s.user_rating for k, s in emu.state().items()}


def sync(session: AppSession, conn: Connection, file: Path, *, cancel: bool = False) -> int:
    source = session.read([file])[0]
    plan = session.preview(conn, source, SyncOptions(all_libraries=True))
    stop = threading.Event()
    if cancel:
        stop.set()
    return session.write(conn, plan, cancel=stop).run_id


def test_another_account_signed_in_is_refused_undo_and_resume(emu: Emulator, session: AppSession,
                                                              tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 8, seed=1)
    before = owner_ratings(emu)
    pal = friend(emu)
    pals_before = emu.ctx.users.state_of(pal, emu.library)
    owner = session.connect_server(None, None)
    assert owner.identity.user_id is None and owner.identity.account_id == OWNER_UUID
    run_id = sync(session, owner, tmp_path / "ratings.csv")
    assert session.run(run_id).account_id == OWNER_UUID and owner_ratings(emu) != before

    # The friend signs in on the same computer: the owner's server is shared with them, under their own account.
    other = session.connect_server(None, pal.account_token)
    assert other.identity.machine_id == owner.identity.machine_id and other.identity.user_id is None
    assert other.identity.account_id == pal.uuid
    with pytest.raises(UsageError, match="another Plex account"):
        session.plan_undo(other, run_id)
    assert [r.id for r in session.history(other.identity)] == []
    assert [r.id for r in session.history(owner.identity)] == [run_id]

    # An interrupted run of the owner's is not the friend's to finish either.
    csv_from_library(emu, tmp_path / "more.csv", 6, seed=2)
    cut = sync(session, owner, tmp_path / "more.csv", cancel=True)
    assert session.run(cut).status is RunStatus.CANCELLED
    assert session.unfinished_run(tmp_path / "more.csv", other.identity) is None
    assert session.unfinished_run(tmp_path / "more.csv", owner.identity) is not None
    with pytest.raises(UsageError, match="another Plex account"):
        session.plan_resume(other, cut)

    # The owner still can: undo puts their ratings back; the friend's own ratings were never touched.
    assert session.write(owner, session.plan_undo(owner, run_id)).status is RunStatus.DONE
    assert owner_ratings(emu) == before
    assert emu.ctx.users.state_of(pal, emu.library) == pals_before


def test_runs_journaled_before_accounts_were_recorded_stay_the_signed_in_accounts(
        emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 5, seed=3)
    before = owner_ratings(emu)
    owner = session.connect_server(None, None)
    run_id = sync(session, owner, tmp_path / "ratings.csv")
    session.journal().execute("UPDATE runs SET account_id = NULL WHERE id = ?", (run_id,))  # as an old version wrote
    assert session.run(run_id).account_id is None
    assert [r.id for r in session.history(owner.identity)] == [run_id]
    assert session.write(owner, session.plan_undo(owner, run_id)).status is RunStatus.DONE
    assert owner_ratings(emu) == before


def test_an_old_journal_file_gains_the_new_columns(tmp_path: Path) -> None:
    old_schema = _SCHEMA.replace(" account_id TEXT,", "").replace(
        "    unmatched_csv TEXT, run_log TEXT,           -- the run's reports, for History (paths, never contents)\n",
        "").replace(" user_id TEXT, user_name TEXT,", "")
    assert "account_id" not in old_schema and "run_log" not in old_schema
    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(old_schema)
        db.execute("INSERT INTO runs (started_at, status, machine_id) VALUES (1, 'done', 'm1')")
    db.close()
    journal = JournalDB(path)
    try:
        (run,) = journal.runs()
        assert (run.machine_id, run.user_id, run.account_id, run.unmatched_csv, run.run_log) == \
            ("m1", None, None, None, None)
    finally:
        journal.close()


def test_a_bare_url_and_token_is_told_apart_by_a_fingerprint_never_the_token(
        emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 5, seed=4)
    before = owner_ratings(emu)
    by_url = session.connect_url(emu.url, emu.token)  # plex.tv is not asked: the account is not known yet
    assert by_url.identity.account_id == fingerprint(emu.token) == by_url.identity.token_id
    assert emu.token not in str(by_url.identity.account_id)
    run_id = sync(session, by_url, tmp_path / "ratings.csv")
    assert emu.token.encode() not in session.journal_path.read_bytes()

    # Somebody else's token for the same server (the friend's, by URL) is another account: refused.
    stranger = session.connect_url(emu.url, friend(emu).server_token)
    assert stranger.identity.account_id not in (None, by_url.identity.account_id)
    with pytest.raises(UsageError, match="another Plex account"):
        session.plan_undo(stranger, run_id)

    # Signing in with the same token reveals the account (uuid); the run made with that token is still its own,
    # and from now on the token is known as that account even by URL (kept beside the journal, hashed).
    signed_in = session.connect_server(None, None)
    assert signed_in.identity.account_id == OWNER_UUID
    assert session.write(signed_in, session.plan_undo(signed_in, run_id)).status is RunStatus.DONE
    assert owner_ratings(emu) == before
    later = AppSession(journal_path=session.journal_path, report_dir=session.report_dir)
    try:
        servers._UUIDS.clear()  # a new process: only the file remembers
        assert later.connect_url(emu.url, emu.token).identity.account_id == OWNER_UUID
        assert emu.token not in (session.journal_path.parent / "accounts.json").read_text()
    finally:
        later.close()


def test_history_json_names_the_account_of_each_run(emu: Emulator, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 3, seed=6)
    runner = CliRunner()
    result = runner.invoke(app, ["sync", str(tmp_path / "ratings.csv"), "--all-libraries", "--yes", "--json"])
    assert result.exit_code == 0, result.stderr
    listed = runner.invoke(app, ["history", "--json"])
    assert listed.exit_code == 0, listed.stderr
    runs = json.loads(listed.stdout)
    runs = runs["runs"] if isinstance(runs, dict) else runs
    assert [(r["user_id"], r["account_id"]) for r in runs] == [(None, OWNER_UUID)]
    assert emu.token not in listed.stdout
