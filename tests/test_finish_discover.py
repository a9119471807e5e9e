"""Discover follow-ups: `demo --gui` hands the desktop app the emulator's account token, so its Discover checkbox
works without a real sign-in; and an undo counts the ratings it puts back on Plex Discover apart from `Updated`, as
the sync that wrote them did — through the desktop app's engine (no Tk) and the emulator's Discover side."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ratings_to_plex.gui as gui
from ratings_to_plex.app import SyncOptions
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.errors import UsageError
from ratings_to_plex.gui.engine import Engine
from ratings_to_plex.plex.credentials import load_token
from ratings_to_plex.plex.discover import DISCOVER_ENV, PACE_ENV

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"
ONLINE = 4  # rows of the IMDb sample that are in no library of the demo server (tests/test_discover_sync.py)


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True)) as e:
        monkeypatch.setenv(DISCOVER_ENV, e.discover_url)  # never the real service
        monkeypatch.setenv(PACE_ENV, "40")
        assert load_token() is None  # nobody signed in, as in a fresh demo
        yield e


def engine(tmp_path: Path, account_token: str | None) -> Engine:
    return Engine(journal_path=tmp_path / "journal.sqlite3", report_dir=tmp_path / "reports",
                  account_token=account_token)


def test_the_demo_window_reaches_discover_without_a_sign_in(emu: Emulator, tmp_path: Path) -> None:
    options = SyncOptions(all_libraries=True, discover=True)
    bare = engine(tmp_path / "bare", None)
    conn = bare.connect_url(emu.url, emu.token)
    with pytest.raises(UsageError, match="login"):  # a URL connection alone has no plex.tv account
        bare.session.preview(conn, bare.session.read([IMDB])[0], options)
    bare.session.close()

    demo = engine(tmp_path / "demo", emu.token)  # what `demo --gui` passes
    session = demo.session
    try:
        conn = demo.connect_url(emu.url, emu.token)
        plan = session.preview(conn, session.read([IMDB])[0], options)
        summary = session.write(conn, plan)
        assert summary.counts["Rated on Discover"] == ONLINE == len(emu.discover.rated(emu.token))
        library_writes = summary.counts["Updated"]

        undo = session.write(conn, session.plan_undo(conn, summary.run_id))
        assert undo.counts["Rated on Discover"] == ONLINE  # put back on Discover: counted apart …
        assert undo.counts["Updated"] == library_writes  # … not under Updated
        assert emu.discover.rated(emu.token) == {}
    finally:
        session.close()


def test_demo_gui_hands_the_window_the_emulators_account_token(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def window(**kwargs: object) -> int:  # stands in for the Tk window: what would it be opened with?
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(gui, "run_app", window)
    monkeypatch.setenv(DISCOVER_ENV, "http://127.0.0.1:9")  # the demo replaces it: restored after the test
    result = CliRunner().invoke(app, ["demo", "--gui", "--report-dir", str(tmp_path), "--latency-ms", "0"])
    assert result.exit_code == 0, result.output
    assert seen["account_token"] and seen["account_token"] == seen["token"]
    assert seen["journal_path"] == tmp_path.resolve() / "journal.sqlite3"


def test_the_windows_undo_summary_names_what_it_put_back_on_discover() -> None:
    from ratings_to_plex.gui.events import RunFinished
    from ratings_to_plex.gui.handlers import _undo_result

    finished = RunFinished(7, "done", {"Updated": 2, "Rated on Discover": 3}, 5, 5, None, None, kind="undo",
                           undo_of=6)
    _, tone, breakdown = _undo_result(finished)
    assert tone == "ok" and "Restored 2" in breakdown and "Restored on Plex Discover 3" in breakdown
