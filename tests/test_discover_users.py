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
from ratings_to_plex.plex.discover import DISCOVER_ENV, PACE_ENV
from tests.users_support import home_emulator

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with home_emulator(monkeypatch, EmulatorConfig(demo=True), retry_after_s=None) as e:
        monkeypatch.setenv(DISCOVER_ENV, e.discover_url)
        monkeypatch.setenv(PACE_ENV, "40")
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
