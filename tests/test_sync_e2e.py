"""The whole pipeline through unmodified plexapi against the emulator: real HTTP, final ratings asserted."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plan import PlanOptions
from ratings_to_plex.plex.client import PlexClient, RetryPolicy
from ratings_to_plex.sources import read_ratings
from ratings_to_plex.sync import SyncOptions, execute_plan, prepare_plan

SAMPLES = Path(str(files("ratings_to_plex.data")))
IMDB = SAMPLES / "sample_imdb_ratings.csv"
LETTERBOXD = SAMPLES / "sample_letterboxd_ratings.csv"


@pytest.fixture
def emu(emulator: Callable[..., Emulator]) -> Emulator:
    return emulator(demo=True)


def rating(emu: Emulator, imdb_id: str) -> list[float | None]:
    state = emu.state()
    return [state[i.rating_key].user_rating for i in emu.library.find(imdb_id=imdb_id)]


def by_title(emu: Emulator, title: str, year: int) -> list[float | None]:
    state = emu.state()
    return [state[i.rating_key].user_rating for i in emu.library.find(title=title, year=year)]


def sync(emu: Emulator, file: Path, tmp_path: Path, **kw: object) -> object:
    client = PlexClient.connect(emu.url, emu.token)
    options = SyncOptions(all_libraries=True, **kw)  # type: ignore[arg-type]
    plan, sections = prepare_plan(client, read_ratings(file), options)
    return execute_plan(client, plan, sections, options, report_dir=tmp_path / "reports")


def test_imdb_sample_end_to_end(emu: Emulator, tmp_path: Path) -> None:
    emu.counters.reset()
    summary = sync(emu, IMDB, tmp_path)
    counts = summary.tally.counts  # type: ignore[attr-defined]
    assert rating(emu, "tt1375666") == [8.0]  # Inception, new agent
    assert rating(emu, "tt0110912") == [8.0]  # Pulp Fiction, legacy agent
    assert rating(emu, "tt1160419") == [8.0, 8.0]  # Dune 2021: HD and 4K copies both rated
    assert rating(emu, "tt0068646") == [10.0]  # The Godfather: unchanged
    assert rating(emu, "tt0959621") == [8.0]  # Breaking Bad: Pilot (episode)
    assert rating(emu, "tt7366338") == [9.0]  # Chernobyl (mini series → show)
    assert by_title(emu, "Back to the Future", 1985) == [8.0]  # TMDb-only item: unique title + year
    assert by_title(emu, "Dark", 2017) == [None]  # a Movie row on a show: type mismatch, not written
    assert counts["Type mismatch"] == 1 and counts["Missing IMDb ID"] == 1
    assert counts["Invalid rating value"] == 2 and counts["Not found in Plex"] == 4  # incl. The Office (US)
    assert counts["Skipped unchanged"] == 7
    snapshot = emu.counters.snapshot()
    assert snapshot.get("PUT /:/rate") == counts["Updated"]
    # No per-item reads: plexapi's auto-reload must never kick in.
    assert not any(k.startswith("GET /library/metadata") for k in snapshot)
    assert summary.unmatched_csv is not None and summary.unmatched_csv.name.startswith("Unmatched_imdb_")  # type: ignore[attr-defined]


def test_second_run_writes_nothing(emu: Emulator, tmp_path: Path) -> None:
    sync(emu, IMDB, tmp_path)
    emu.counters.reset()
    summary = sync(emu, IMDB, tmp_path)
    assert emu.counters.writes() == 0
    assert summary.tally.counts["Updated"] == 0  # type: ignore[attr-defined]


def test_letterboxd_matches_by_title_and_year(emu: Emulator, tmp_path: Path) -> None:
    summary = sync(emu, LETTERBOXD, tmp_path)
    counts = summary.tally.counts  # type: ignore[attr-defined]
    assert by_title(emu, "Amélie", 2001) == [9.0]  # Letterboxd 4.5 × 2
    assert by_title(emu, "WALL·E", 2008) == [9.0]  # punctuation folded
    assert by_title(emu, "Solaris", 2002) == [6.0]  # Letterboxd year 2003: ±1 and unique
    assert by_title(emu, "The Lives of Others", 2006) == [9.0]  # no IMDb id in Plex: title only
    assert by_title(emu, "Nosferatu", 1922) == [None, None]  # two different items: ambiguous, not guessed
    assert counts["Ambiguous"] == 1
    assert by_title(emu, "Scarface", 1983) == [7.0] and by_title(emu, "Scarface", 1932) == [None]


def test_only_empty_policy_keeps_existing_ratings(emu: Emulator, tmp_path: Path) -> None:
    sync(emu, IMDB, tmp_path, plan=PlanOptions(policy="only-empty", force=True))
    assert rating(emu, "tt0111161") == [9.0]  # already rated 9: kept even though forced
    assert rating(emu, "tt0087182") == [6.0]
    assert rating(emu, "tt1375666") == [8.0]  # was unrated: written


def test_mark_watched_marks_only_unwatched(emu: Emulator, tmp_path: Path) -> None:
    emu.counters.reset()
    sync(emu, IMDB, tmp_path, plan=PlanOptions(mark_watched=True))
    state = emu.state()
    inception = emu.library.find(imdb_id="tt1375666")[0]
    matrix = emu.library.find(imdb_id="tt0133093")[0]
    assert state[inception.rating_key].view_count == 1
    assert state[matrix.rating_key].view_count == 4  # was watched 4 times: not touched


def test_faults_are_retried_and_final_ratings_exact(tmp_path: Path) -> None:
    cfg = EmulatorConfig(movies=600, shows=0, seed=7, fault_rate=0.0)
    with Emulator(cfg) as emu:
        emu.faults.rate_500 = emu.faults.rate_503 = emu.faults.rate_reset = 0.04
        emu.faults.rate_429, emu.faults.retry_after = 0.04, 0.01
        movies = [i for i in emu.library.items.values() if i.type == "movie" and i.imdb_id][:400]
        csv = tmp_path / "ratings.csv"
        lines = ["Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,"
                 "Num Votes,Release Date,Directors"]
        expected = {}
        for n, m in enumerate(movies):
            value = n % 10 + 1
            expected[m.rating_key] = float(value)
            lines.append(f"{m.imdb_id},{value},2024-01-01,\"{m.title}\",,movie,7,100,{m.year},Drama,1,,")
        csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        client = PlexClient.connect(emu.url, emu.token, retry=RetryPolicy(attempts=8, backoff_s=0.01))
        options = SyncOptions(all_libraries=True)
        plan, sections = prepare_plan(client, read_ratings(csv), options)
        summary = execute_plan(client, plan, sections, options, report_dir=tmp_path)
        faults = emu.counters.faults()
        emu.faults.clear()
        state = emu.state()
        assert summary.tally.counts["Rate failed errors"] == 0
        assert sum(faults.values()) > 20
        for key, value in expected.items():
            assert state[key].user_rating == value


def test_cli_dry_run_json_writes_nothing(emu: Emulator, tmp_path: Path) -> None:
    emu.counters.reset()
    result = CliRunner().invoke(app, ["sync", str(IMDB), "--url", emu.url, "--token", emu.token,
                                      "--all-libraries", "--dry-run", "--json", "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dry_run"] is True and isinstance(payload["run_id"], int)
    assert payload["source"]["format"] == "imdb_ratings"
    assert payload["counts"]["updated"] > 0 and "rate_failed_errors" in payload["counts"]
    assert {"rating_key", "title", "year", "old", "new", "watched", "status"} <= set(payload["changes"][0])
    assert emu.counters.writes() == 0


def test_cli_refuses_to_write_without_terminal_or_yes(emu: Emulator, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sync", str(IMDB), "--url", emu.url, "--token", emu.token,
                                      "--library", "Movies", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--yes" in result.output
    assert emu.counters.writes() == 0


def test_cli_bad_token_is_exit_3_without_traceback(emu: Emulator, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sync", str(IMDB), "--url", emu.url, "--token", "wrong-token-xyz",
                                      "--library", "Movies", "--yes"])
    assert result.exit_code == 3 and "rejected the token" in result.output
    assert "Traceback" not in result.output and "wrong-token-xyz" not in result.output
