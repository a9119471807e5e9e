"""Every person in the household, end to end through the CLI and the strict emulator: a managed user's sync changes
only their ratings, a PIN guards a protected profile, a friend writes with their own token, undo/resume refuse the
wrong user, and a failed switch writes nothing for anybody."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex.app import AppSession, Event, ProgressUpdate, SyncOptions
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.plex import credentials
from ratings_to_plex.plex.acting import PIN_ENV, USER_ENV

from .pty_support import read_until, spawn_cli, wait_exit_code
from .test_journal_helpers import csv_from_library
from .users_support import everybody, home_emulator, invoke, runner, who


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with home_emulator(monkeypatch) as e:
        yield e


def sync(file: Path, *extra: str, code: int = 0) -> tuple[dict[str, Any], str]:
    exit_code, payload, stderr = invoke("sync", str(file), "--all-libraries", "--yes", *extra)
    assert exit_code == code, stderr
    return payload, stderr


def test_managed_users_sync_changes_only_their_ratings(emu: Emulator, tmp_path: Path) -> None:
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 40, seed=3)
    before = everybody(emu)
    payload, _ = sync(tmp_path / "ratings.csv", "--user", "Kid")
    after = everybody(emu)
    for name in ("owner", "Teen", "friend"):
        assert after[name] == before[name], name  # untouched, item for item
    kid_after = after["Kid"]
    assert all(kid_after[k][0] == v for k, v in expected.items())
    changed = {k for k in kid_after if kid_after[k] != before["Kid"][k]}
    assert changed and changed <= set(expected)
    assert payload["counts"]["updated"] == len(changed)


def test_pin_protected_user_needs_the_pin(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 10, seed=4)
    before = everybody(emu)
    _, stderr = sync(tmp_path / "ratings.csv", "--user", "Teen", code=3)
    assert "'Teen' is protected by a PIN" in stderr and PIN_ENV in stderr
    monkeypatch.setenv(PIN_ENV, "9999")
    _, stderr = sync(tmp_path / "ratings.csv", "--user", "Teen", code=3)
    assert "Wrong PIN for 'Teen'" in stderr and "9999" not in stderr
    assert everybody(emu) == before  # nothing written for anybody
    monkeypatch.setenv(PIN_ENV, "1234")
    monkeypatch.setenv(USER_ENV, "teen")
    sync(tmp_path / "ratings.csv")
    after = everybody(emu)
    assert after["Teen"] != before["Teen"]
    assert {n: s for n, s in after.items() if n != "Teen"} == {n: s for n, s in before.items() if n != "Teen"}


def test_friend_writes_to_the_shared_server_with_their_own_token(emu: Emulator, tmp_path: Path) -> None:
    friend = who(emu, "friend")
    credentials.save_token(friend.account_token)  # the friend signed in on their own computer
    exit_code, listed, stderr = invoke("servers")
    assert exit_code == 0, stderr
    assert [(s["name"], s["owned"], s["shared_by"]) for s in listed] == [("Plex Emulator", False, "demo")]
    table = runner.invoke(app, ["servers"]).stdout  # the Name column may wrap "Plex Emulator (shared by demo)"
    assert "(shared" in table and "demo)" in table
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 15, seed=5)
    before = everybody(emu)
    sync(tmp_path / "ratings.csv")
    after = everybody(emu)
    assert after["owner"] == before["owner"] and after["Kid"] == before["Kid"] and after["Teen"] == before["Teen"]
    assert all(after["friend"][k][0] == v for k, v in expected.items())


def test_undo_and_resume_refuse_the_wrong_user(emu: Emulator, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 20, seed=6)
    before = everybody(emu)
    payload, _ = sync(tmp_path / "ratings.csv", "--user", "Kid")
    run_id = str(payload["run_id"])
    synced = everybody(emu)
    code, _, stderr = invoke("undo", run_id, "--yes")  # as the owner: refused
    assert code == 2 and "another Plex user" in stderr
    assert everybody(emu) == synced
    code, history, stderr = invoke("history")
    assert code == 0, stderr
    assert history["runs"][0]["user"] == "Kid"
    code, _, stderr = invoke("undo", run_id, "--user", "Kid", "--yes")
    assert code == 0, stderr
    assert everybody(emu) == before


def test_resume_refuses_another_user_and_finishes_as_the_runs_user(emu: Emulator, tmp_path: Path) -> None:
    file = tmp_path / "ratings.csv"
    expected = csv_from_library(emu, file, 40, seed=8)
    kid = who(emu, "Kid")
    session = AppSession.default(report_dir=tmp_path / "reports", workers=2)
    conn = session.connect_url(emu.url, kid.server_token, user_id=kid.uuid, user_name="Kid")
    plan = session.preview(conn, session.read([file])[0], SyncOptions(all_libraries=True))
    cancel = threading.Event()

    def progress(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= 5:
            cancel.set()

    run_id = session.write(conn, plan, cancel=cancel, on_event=progress).run_id
    session.close()
    interrupted = everybody(emu)
    code, _, stderr = invoke("sync", str(file), "--resume", "--yes")  # as the owner: refused
    assert code == 2 and "another Plex user" in stderr
    assert everybody(emu) == interrupted
    code, payload, stderr = invoke("sync", str(file), "--resume", "--user", "Kid", "--yes")
    assert code == 0, stderr
    assert payload["run_id"] == run_id and payload["status"] == "done"
    after = everybody(emu)
    assert all(after["Kid"][k][0] == v for k, v in expected.items())
    assert {n: st for n, st in after.items() if n != "Kid"} == {n: st for n, st in interrupted.items() if n != "Kid"}


def test_failed_switch_writes_nothing(emu: Emulator, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 10, seed=7)
    before = everybody(emu)
    emu.ctx.users.switch_limit = 0  # plex.tv keeps answering 429
    _, stderr = sync(tmp_path / "ratings.csv", "--user", "Kid", code=3)
    assert "limiting how often profiles can be switched" in stderr
    emu.ctx.users.switch_limit = 6
    emu.revoke_token()  # the sign-in itself is refused (401)
    _, stderr = sync(tmp_path / "ratings.csv", "--user", "Kid", code=3)
    assert "rejected your token" in stderr
    assert everybody(emu) == before


def test_users_command_and_user_with_url_and_token(emu: Emulator, tmp_path: Path) -> None:
    credentials.forget_token()  # not signed in: --token carries the account's token
    code, listed, stderr = invoke("users", "--token", emu.token)
    assert code == 0, stderr
    assert [(u["name"], u["kind"], u["pin_protected"]) for u in listed] == [
        ("demo", "admin", False), ("Kid", "managed", False), ("Teen", "managed", True)]
    table = runner.invoke(app, ["users", "--token", emu.token])
    assert "Kid" in table.stdout and "managed user" in table.stdout and emu.token not in table.stdout + table.stderr
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 12, seed=9)
    before = everybody(emu)
    sync(tmp_path / "ratings.csv", "--url", emu.url, "--token", emu.token, "--user", "kid")
    after = everybody(emu)
    assert all(after["Kid"][k][0] == v for k, v in expected.items())
    assert {n: st for n, st in after.items() if n != "Kid"} == {n: st for n, st in before.items() if n != "Kid"}
    code, history, _ = invoke("history", "--user", "Kid")
    assert code == 0 and [r["user"] for r in history["runs"]] == ["Kid"]
    code, history, _ = invoke("history", "--user", "Teen")
    assert code == 0 and history["runs"] == []


def test_undo_last_as_a_user_undoes_that_users_last_run(emu: Emulator, tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "kid.csv", 10, seed=10)
    csv_from_library(emu, tmp_path / "mine.csv", 10, seed=11)
    before = everybody(emu)
    kid_run, _ = sync(tmp_path / "kid.csv", "--user", "Kid")
    sync(tmp_path / "mine.csv")  # the owner's run is the newest
    after_owner = everybody(emu)
    code, payload, stderr = invoke("undo", "--last", "--user", "Kid", "--yes")
    assert code == 0, stderr
    assert payload["undo_of"] == kid_run["run_id"]
    now = everybody(emu)
    assert now["Kid"] == before["Kid"] and now["owner"] == after_owner["owner"]


def test_export_and_restore_as_a_user(emu: Emulator, tmp_path: Path) -> None:
    """`export --user A` holds A's ratings only; `restore --user A` writes them back as A, nobody else."""
    kid = who(emu, "Kid")
    backup = tmp_path / "kid.json"
    result = runner.invoke(app, ["export", "--user", "Kid", "--all-libraries", "-o", str(backup)])
    assert result.exit_code == 0, result.stderr
    saved = {i["rating_key"]: i["user_rating"] for i in json.loads(backup.read_text())["items"]}
    kid_rated = {k: r for k, (r, _) in emu.ctx.users.state_of(kid, emu.library).items() if r is not None}
    assert saved == kid_rated
    before = everybody(emu)
    key = next(iter(saved))
    emu.ctx.users.library_for(kid, emu.library).items[key].user_rating = None  # Kid clears one by mistake
    result = runner.invoke(app, ["restore", str(backup), "--user", "Kid", "--yes"])
    assert result.exit_code == 0, result.stderr
    assert everybody(emu) == before


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_pin_is_asked_on_a_terminal_and_never_echoed(emu: Emulator, tmp_path: Path) -> None:
    """A real process on a terminal: `sync --user Teen` asks for the PIN (hidden), then writes Teen's ratings."""
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 8, seed=12)
    pid, fd = spawn_cli(["sync", str(tmp_path / "ratings.csv"), "--all-libraries", "--user", "Teen", "--yes"])
    seen = read_until(fd, b"PIN for Teen: ")
    os.write(fd, b"1234\n")
    seen += read_until(fd, None)
    os.close(fd)  # the terminal's master side: the test process would otherwise keep it until it ends
    assert wait_exit_code(pid) == 0, seen.decode(errors="replace")
    assert b"1234" not in seen  # the PIN is not echoed
    teen = emu.ctx.users.state_of(who(emu, "Teen"), emu.library)
    assert all(teen[k][0] == v for k, v in expected.items())


def test_users_needs_a_sign_in_and_says_so(emu: Emulator) -> None:
    credentials.forget_token()
    code, _, stderr = invoke("users")
    assert code == 3 and "found through your Plex sign-in" in stderr and "Traceback" not in stderr
    csv_from_library(emu, Path(credentials.config_dir()) / "r.csv", 5, seed=13)
    before = everybody(emu)
    code, _, stderr = invoke("sync", str(credentials.config_dir() / "r.csv"), "--url", emu.url, "--user", "Kid",
                             "--all-libraries", "--yes")
    assert code == 3 and "found through your Plex sign-in" in stderr
    assert everybody(emu) == before
