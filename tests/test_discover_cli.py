"""`ratings-to-plex sync … --discover` and `undo` from the command line, against the emulator's both sides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plex.credentials import save_token
from ratings_to_plex.plex.discover import DISCOVER_ENV, PACE_ENV

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True)) as e:
        monkeypatch.setenv(DISCOVER_ENV, e.discover_url)  # never the real service
        monkeypatch.setenv(PACE_ENV, "40")
        yield e


def _sync(emu: Emulator, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["sync", str(IMDB), "--url", emu.url, "--token", emu.token, "--all-libraries",
                                      "--report-dir", str(tmp_path), *extra])
    return result.exit_code, result.stdout, result.output


def test_sync_discover_json_counts_and_undo(emu: Emulator, tmp_path: Path) -> None:
    save_token(emu.token)
    code, stdout, output = _sync(emu, tmp_path, "--discover", "--yes", "--json")
    assert code == 0, output
    payload = json.loads(stdout)
    assert payload["counts"]["rated_on_discover"] == 4 and payload["counts"]["not_found_in_plex"] == 0
    assert len(emu.discover.rated(emu.token)) == 4
    assert emu.token not in output
    undo = CliRunner().invoke(app, ["undo", "--last", "--url", emu.url, "--token", emu.token, "--yes"])
    assert undo.exit_code == 0, undo.output
    assert emu.discover.rated(emu.token) == {}


def test_dry_run_lists_discover_titles_apart_and_writes_nothing(emu: Emulator, tmp_path: Path) -> None:
    save_token(emu.token)
    code, _, output = _sync(emu, tmp_path, "--discover", "--dry-run")
    assert code == 0, output
    assert 'Would update Plex rating for "Die Hard (1988)" on Plex Discover to 9' in output
    assert emu.discover.rated(emu.token) == {}
    assert not any("/discover/actions/" in k for k in emu.counters.snapshot())


def test_without_discover_the_cli_sends_nothing_there(emu: Emulator, tmp_path: Path) -> None:
    save_token(emu.token)
    code, stdout, output = _sync(emu, tmp_path, "--yes", "--json")
    assert code == 0, output
    assert json.loads(stdout)["counts"]["rated_on_discover"] == 0
    assert not any("/discover/" in k for k in emu.counters.snapshot())


def test_discover_without_login_says_so_before_writing(emu: Emulator, tmp_path: Path) -> None:
    code, _, output = _sync(emu, tmp_path, "--discover", "--yes")
    assert code == 2 and "ratings-to-plex login" in output and "Traceback" not in output
    assert emu.counters.writes() == 0


def test_desktop_request_carries_the_discover_choice() -> None:
    from ratings_to_plex.gui.state import RunRequest

    off = RunRequest(source=IMDB, server="S", all_libraries=True)
    on = RunRequest(source=IMDB, server="S", all_libraries=True, discover=True)
    assert off.options().discover is False and on.options().discover is True
    assert off.plan_key() != on.plan_key()  # ticking it makes the shown preview out of date


def test_web_choices_carry_the_discover_choice() -> None:
    from ratings_to_plex.web.flow import Choices
    from ratings_to_plex.web.jobs import sync_options

    assert sync_options(Choices()).discover is False
    assert sync_options(Choices(all_libraries=True, discover=True)).discover is True
