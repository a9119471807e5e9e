"""The CLI as users and scripts meet it: help, --json shapes, exit codes and messages, remembered defaults, and
the token never showing up anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.cli import app
from ratings_to_plex.config import load_config
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.plex.credentials import save_token
from ratings_to_plex.plex.plextv import PLEXTV_ENV
from tests.net_support import closed_port

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"
FAKE_TOKEN = "FAKE-TOKEN-for-tests-1234567890"
runner = CliRunner()


@pytest.fixture
def emu(emulator: Callable[..., Emulator], monkeypatch: pytest.MonkeyPatch) -> Emulator:
    e = emulator(demo=True, token=FAKE_TOKEN)
    monkeypatch.setenv(PLEXTV_ENV, e.url)
    return e


@pytest.fixture
def signed_in(emu: Emulator) -> Emulator:
    save_token(emu.token)
    return emu


def rating(emu: Emulator, imdb_id: str) -> list[float | None]:
    state = emu.state()
    return [state[i.rating_key].user_rating for i in emu.library.find(imdb_id=imdb_id)]


def command_names() -> list[str]:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    return sorted(n.replace("_", "-") for n in names)


def test_every_command_has_an_example() -> None:
    names = command_names()
    assert {"login", "logout", "servers", "libraries", "sync"} <= set(names)
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.stdout, name


# -- servers / libraries ---------------------------------------------------------------------------------------
def test_servers_json(signed_in: Emulator) -> None:
    result = runner.invoke(app, ["servers", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1
    assert set(data[0]) == {"name", "client_identifier", "platform", "version", "owned", "shared_by", "connections"}
    assert data[0]["name"] == "Plex Emulator" and data[0]["owned"] is True
    assert data[0]["connections"] == [signed_in.url]


def test_servers_table_marks_the_default(signed_in: Emulator) -> None:
    result = runner.invoke(app, ["servers"])
    assert result.exit_code == 0
    assert "* Plex Emulator" in result.stdout and "used when you pass neither" in result.stdout


def test_servers_without_sign_in() -> None:
    result = runner.invoke(app, ["servers"])
    assert result.exit_code == 3
    assert "Not signed in" in result.stderr and "ratings-to-plex login" in result.stderr


def test_libraries_json_by_server_and_by_url(signed_in: Emulator) -> None:
    by_server = runner.invoke(app, ["libraries", "--server", "Plex Emulator", "--json"])
    assert by_server.exit_code == 0, by_server.stderr
    rows = json.loads(by_server.stdout)
    assert all(set(r) == {"key", "title", "type", "agent"} for r in rows)
    assert {(r["key"], r["title"], r["type"]) for r in rows} >= {(1, "Movies", "movie"), (2, "TV Shows", "show")}
    assert load_config()["server"] == "Plex Emulator"  # remembered
    by_url = runner.invoke(app, ["libraries", "--url", signed_in.url, "--token", signed_in.token, "--json"])
    assert by_url.exit_code == 0 and json.loads(by_url.stdout) == rows
    table = runner.invoke(app, ["libraries"])
    assert table.exit_code == 0 and "Movies" in table.stdout and "TV Shows" in table.stdout


# -- sync through a signed-in account --------------------------------------------------------------------------
def test_sync_by_server_then_remembered_defaults(signed_in: Emulator) -> None:
    result = runner.invoke(app, ["sync", str(IMDB), "--server", "Plex Emulator", "--library", "Movies", "--yes",
                                 "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["run_id"] >= 1 and summary["dry_run"] is False
    assert rating(signed_in, "tt1375666")[0] == 8.0  # Inception, in Movies
    assert load_config() == {"server": "Plex Emulator", "libraries": ["Movies"]}
    again = runner.invoke(app, ["sync", str(IMDB), "--dry-run"])
    assert again.exit_code == 0, again.stderr
    assert "Library: Movies (remembered from your last run" in again.stdout
    assert "Run id:" in again.stdout


def test_writing_sync_without_terminal_needs_yes(signed_in: Emulator) -> None:
    result = runner.invoke(app, ["sync", str(IMDB), "--library", "Movies"])
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert rating(signed_in, "tt1375666")[0] != 8.0  # nothing written


# -- errors: plain messages, exit 3, no traceback --------------------------------------------------------------
def test_bad_token_is_exit_3_with_a_plain_message(emu: Emulator) -> None:
    for args in (["libraries", "--url", emu.url, "--token", "wrong-token-123"],
                 ["servers", "--token", "wrong-token-123"],
                 ["sync", str(IMDB), "--url", emu.url, "--token", "wrong-token-123", "--library", "Movies"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 3, (args, result.stderr)
        assert "rejected the token" in result.stderr
        assert "Traceback" not in result.stderr and "wrong-token-123" not in result.stderr + result.stdout


def test_unreachable_url_is_exit_3() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = runner.invoke(app, ["libraries", "--url", url, "--token", "some-token-1"])
    assert result.exit_code == 3
    assert f"Cannot reach Plex at {url}" in result.stderr and "Traceback" not in result.stderr


def test_logout_mentions_an_environment_token(signed_in: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEX_TOKEN", "env-token-value")
    result = runner.invoke(app, ["logout"])
    assert result.exit_code == 0 and "removed the stored Plex token" in result.stdout
    assert "PLEX_TOKEN is still set" in result.stderr


# -- the token never leaks -------------------------------------------------------------------------------------
def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ratings_to_plex", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_token_never_appears_in_output_logs_reports_or_journal(signed_in: Emulator, tmp_path: Path) -> None:
    env = dict(os.environ)
    reports = tmp_path / "reports"
    runs = [
        _run(["--verbose", "sync", str(IMDB), "--url", signed_in.url, "--token", FAKE_TOKEN, "--library", "Movies",
              "--yes", "--report-dir", str(reports)], env),
        _run(["--verbose", "sync", str(IMDB), "--server", "Plex Emulator", "--all-libraries", "--force", "--yes",
              "--mark-watched", "--json", "--report-dir", str(reports)], env),
        _run(["--verbose", "servers", "--json"], env),
        _run(["--verbose", "libraries", "--url", f"http://127.0.0.1:{closed_port()}", "--token", FAKE_TOKEN], env),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0, 3], [r.stderr[-2000:] for r in runs]
    for r in runs:
        assert FAKE_TOKEN not in r.stdout and FAKE_TOKEN not in r.stderr
    checked = []
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != tmp_path / "config" / "token":
            assert FAKE_TOKEN.encode() not in path.read_bytes(), path
            checked.append(path.name)
    assert any(n.startswith("RatingsUpdateLog_") for n in checked)
    assert any(n.startswith("Unmatched_imdb_") for n in checked)
    assert "RatingsToPlex.log" in checked
    assert any(n.endswith((".db", ".sqlite", ".sqlite3")) for n in checked), checked
