"""Writes against a hostile server, and what a run leaves behind: a scrobble whose answer is lost is not repeated,
escape sequences in a server's error bodies reach no terminal, log or CSV, credentials in a URL are never kept,
report files are the user's only, and spreadsheet formulas in any disguise are neutralised."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest

from ratings_to_plex.apply import FAILED, UPDATED, apply_plan
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.emulator.hostile import Attack, Hostile
from ratings_to_plex.errors import PlexConnectionError
from ratings_to_plex.plan import Change
from ratings_to_plex.plex.client import PlexClient, RetryPolicy
from ratings_to_plex.plex.items import LibraryItem
from ratings_to_plex.report import UnmatchedRow, write_unmatched_csv
from ratings_to_plex.runlog import RunLog
from ratings_to_plex.security import clean_text, safe_cell, strip_credentials
from tests.test_hostile import TOKEN, hostile_emu  # noqa: F401 - hostile_emu: the `emu` fixture

FAST = RetryPolicy(attempts=3, backoff_s=0.01, timeout_s=2, deadline_s=5)


@pytest.fixture
def client(emu: Emulator) -> PlexClient:
    return PlexClient.connect(emu.url, emu.token, retry=FAST)


def _items(client: PlexClient, count: int) -> list[LibraryItem]:
    """`count` movies nobody has watched yet (the ones a sync would mark watched)."""
    root = client.get("/library/sections/1/all?type=1", start=0, size=40)
    unwatched = [item for item in (LibraryItem.from_element(el, 1) for el in root) if not item.watched]
    assert len(unwatched) >= count
    return unwatched[:count]


def test_a_scrobble_whose_answer_is_lost_lands_once(emu: Emulator, client: PlexClient) -> None:
    """The server applies each item's first scrobble, then drops the connection: a blind retry made it two views."""
    items = _items(client, 13)
    emu.faults.hostile = Hostile(Attack.LOST_REPLY, paths=("/:/scrobble",))
    outcomes = apply_plan(client, [Change(i, None, None, None, False, False, True) for i in items], workers=4)
    assert emu.faults.hostile.hits == 13
    assert [o.status for o in outcomes] == [UPDATED] * 13
    state = emu.state()
    assert [state[i.rating_key].view_count for i in items] == [1] * 13


def test_a_scrobble_that_never_landed_is_sent_again(emu: Emulator, client: PlexClient) -> None:
    items = _items(client, 3)
    emu.faults.rate_503 = 0.5
    emu.faults.only_paths = ("/:/scrobble",)
    outcomes = apply_plan(client, [Change(i, None, None, None, False, False, True) for i in items], workers=1)
    emu.faults.clear()
    state = emu.state()
    assert all(o.status == UPDATED for o in outcomes) and [state[i.rating_key].view_count for i in items] == [1] * 3


def test_escape_sequences_from_the_server_reach_no_log_terminal_or_csv(emu: Emulator, client: PlexClient,
                                                                       tmp_path: Path) -> None:
    items = _items(client, 2)
    emu.faults.hostile = Hostile(Attack.ESCAPES, paths=("/:/rate",))
    outcomes = apply_plan(client, [Change(i, None, None, 8.0, True, False) for i in items], workers=2)
    assert [o.status for o in outcomes] == [FAILED] * 2
    shown: list[str] = []
    log = RunLog(tmp_path / "reports", "20260101_000000", echo=shown.append)
    for outcome in outcomes:
        log.outcome(outcome)
    log.line("Server says:\x1b]0;owned\x07 hi\nFAKE 2026-01-01 INFO line")
    log.close()
    rows = [UnmatchedRow(1, {"Title": "x"}, f"Rate failed: {o.error}", "\x1b[2JTitle") for o in outcomes]
    path = write_unmatched_csv(tmp_path / "reports", "IMDb", "ratings", ["Title"], rows, "20260101_000000")
    assert path is not None
    texts = shown + [p.read_text(encoding="utf-8-sig") for p in (tmp_path / "reports").iterdir()]
    assert all("Bad request" in t or "hi" in t or "Title" in t for t in texts)
    for text in texts:
        assert not any(c in text for c in ("\x1b", "\x07", "\x9b", "\u202e")), repr(text)
    assert "\nFAKE" not in "".join(texts)  # no forged log line either


def test_report_and_log_files_are_the_users_only(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "reports"
    log = RunLog(folder, "20260101_000000")
    log.line("hello")
    log.close()
    write_unmatched_csv(folder, "IMDb", "r", ["Title"], [UnmatchedRow(1, {"Title": "x"}, "why")], "20260101_000000")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    made = sorted(folder.iterdir())
    assert len(made) == 3 and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in made), made


def test_credentials_in_a_server_url_are_never_kept(emu: Emulator) -> None:
    url = emu.url.replace("http://", "http://alice:s3cret@")
    client = PlexClient.connect(url, emu.token, retry=FAST)
    assert "s3cret" not in client.url and "alice" not in client.url and client.url == emu.url
    assert strip_credentials("https://u:p@h.example:32400/x?y=1") == "https://h.example:32400/x?y=1"
    assert strip_credentials("http://host:32400") == "http://host:32400"
    emu.stop()
    with pytest.raises(PlexConnectionError) as caught:
        PlexClient.connect(url, emu.token, retry=RetryPolicy(attempts=0, timeout_s=1))
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("cell", ["=1+1", "\n=1+1", "\r=1", "\t=1", " =1+1", "  @SUM(A1)", "＝1+1", "＋1", "－1",
                                  "＠SUM(A1)", "\u3000＝1"])
def test_formula_cells_in_every_disguise_are_neutralised(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Inception", " Inception", "8", "tt1375666", ""])
def test_ordinary_cells_are_left_alone(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_formulas_are_neutralised_in_the_written_csv(tmp_path: Path) -> None:
    rows = [UnmatchedRow(1, {"Title": "\n=HYPERLINK(\"http://x\")"}, " =1+1")]
    path = write_unmatched_csv(tmp_path, "IMDb", "r", ["Title"], rows, "20260101_000000")
    assert path is not None
    with path.open(encoding="utf-8-sig", newline="") as fh:
        written = list(csv.reader(fh))[1]
    assert written[0].startswith("'") and written[2].startswith("'")


def test_clean_text_keeps_words_and_drops_controls() -> None:
    assert clean_text("Amélie 日本 ok") == "Amélie 日本 ok"
    assert clean_text("a\x1b[31mred\x1b[0m b\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "ared blink"
    assert clean_text("x\r\ny\x00z") == "x  y z"
