"""`--user NAME --discover`: Discover ratings go to that Home user's own account, never to the owner's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plex import credentials, users
from ratings_to_plex.plex.acting import PIN_ENV, USER_ENV
from ratings_to_plex.plex.discover import DISCOVER_ENV, PACE_ENV
from ratings_to_plex.plex.plextv import PLEXTV_ENV

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True)) as e:
        monkeypatch.setenv(PLEXTV_ENV, e.url)
        monkeypatch.setenv(DISCOVER_ENV, e.discover_url)
        monkeypatch.setenv(PACE_ENV, "40")
        for name in (PIN_ENV, USER_ENV):
            monkeypatch.delenv(name, raising=False)
        credentials.save_token(e.token)  # signed in as the owner
        users.TOKENS._tokens.clear()
        yield e


def test_a_home_users_discover_ratings_are_their_own(emu: Emulator, tmp_path: Path) -> None:
    kid = emu.ctx.users.by_ref("Kid")
    assert kid is not None
    result = CliRunner().invoke(app, ["sync", str(IMDB), "--all-libraries", "--user", "Kid", "--discover", "--yes",
                                      "--json", "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["rated_on_discover"] == 4
    assert len(emu.discover.rated(kid.account_token)) == 4
    assert emu.discover.rated(emu.token) == {}  # the owner's account is untouched
    undo = CliRunner().invoke(app, ["undo", "--last", "--user", "Kid", "--yes"])
    assert undo.exit_code == 0, undo.output
    assert emu.discover.rated(kid.account_token) == {}
