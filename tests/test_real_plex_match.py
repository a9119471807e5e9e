"""Real PMS, not our picture of it (issue 12): agents, per-type ids, ratings and plays as real servers send them.

Each test builds a small library on the strict emulator and goes through real HTTP: the items are listed by the
client exactly as a sync lists them, then matched, planned and (where it matters) written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex import read_ratings
from ratings_to_plex.emulator import Emulator, EmulatorConfig, Library
from ratings_to_plex.emulator.generator import default_sections
from ratings_to_plex.match import AMBIGUOUS, MATCHED, NOT_FOUND, match_rows
from ratings_to_plex.plan import PlanOptions
from ratings_to_plex.plex.client import PlexClient
from ratings_to_plex.plex.index import LibraryIndex, index_library
from ratings_to_plex.sources.model import RatingRow
from ratings_to_plex.sync import SyncOptions, execute_plan, prepare_plan

from .real_plex_helpers import add_item, agents_library

HEADER = ["Const", "Your Rating", "Date Rated", "Title", "URL", "Title Type", "IMDb Rating", "Runtime (mins)", "Year",
          "Genres", "Num Votes", "Release Date", "Directors"]


@pytest.fixture(scope="module")
def agents() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(seed=31), library=agents_library()) as emu:
        yield emu


def listed(emu: Emulator, rows: list[RatingRow] | None = None) -> LibraryIndex:
    """The index a sync builds: every section listed through real HTTP (episodes included)."""
    client = PlexClient.connect(emu.url, emu.token)
    wanted = rows or [row("x", kind="tv_episode")]
    return index_library(client, client.sections(), list(wanted))


def row(title: str, year: int | None = None, *, kind: str = "movie", imdb: str | None = None,
        tmdb: str | None = None, tvdb: str | None = None) -> RatingRow:
    return RatingRow("tmdb", 2, imdb, title, None, year, kind, 8.0, 8.0, date(2024, 1, 2), tmdb_id=tmdb,
                     tvdb_id=tvdb)


def one(rows: list[RatingRow], index: LibraryIndex) -> list[tuple[str, tuple[str, ...], str | None]]:
    return [(m.status, tuple(i.title for i in m.items), m.method) for m in match_rows(rows, index)]


# -- 3. agents we did not read ---------------------------------------------------------------------------------------
def test_kodi_nfo_and_hama_items_are_matched_by_the_ids_they_carry(agents: Emulator) -> None:
    index = listed(agents)
    assert one([row("Die Verurteilten", 1994, imdb="tt0111161"),
                row("Chihiros Reise", 2001, imdb="tt0245429"),
                row("Heat", 1995, tmdb="949"),
                row("x", kind="tv_series", tvdb="73244"),
                row("x", kind="tv_series", tvdb="121361")], index) == [
        (MATCHED, ("The Shawshank Redemption",), "legacy_guid"),
        (MATCHED, ("Spirited Away",), "legacy_guid"),
        (MATCHED, ("Heat",), "legacy_guid"),
        (MATCHED, ("The Office",), "legacy_guid"),
        (MATCHED, ("Game of Thrones",), "legacy_guid"),
    ]


def test_an_item_naming_another_imdb_id_never_gets_a_row_by_its_title(agents: Emulator) -> None:
    """The Kodi NFO item names tt0105665; a row for another IMDb id with the same title and year is not it (the old
    client did not read xbmcnfo ids, so it wrote this row's rating onto that film)."""
    [m] = match_rows([row("Twin Peaks: Fire Walk with Me", 1992, imdb="tt9999999")], listed(agents))
    assert m.status == NOT_FOUND and not m.items


# -- 4. TMDb and TVDB ids are per namespace ---------------------------------------------------------------------------
def test_tvdb_and_tmdb_ids_are_matched_together_with_the_type(agents: Emulator) -> None:
    index = listed(agents)
    assert one([row("x", kind="tv_series", tvdb="81189"), row("x", kind="movie", tvdb="81189"),
                row("x", kind="tv_series", tmdb="1399"), row("x", kind="movie", tmdb="1399")], index) == [
        (MATCHED, ("Breaking Bad",), "legacy_guid"),  # not the film that also carries tvdb://81189
        (MATCHED, ("El Camino",), "tvdb_guid"),
        (MATCHED, ("Game of Thrones (TMDb)",), "tmdb_guid"),  # TMDb TV 1399 …
        (MATCHED, ("Film 1399",), "tmdb_guid"),  # … is not TMDb movie 1399
    ]


def test_an_id_of_another_namespace_is_not_found_rather_than_a_type_mismatch(agents: Emulator) -> None:
    index = listed(agents)
    [m] = match_rows([row("Nothing Like It", 1990, kind="tv_series", tmdb="559969")], index)
    assert m.status == NOT_FOUND  # TMDb movie 559969 (El Camino) is another title than TMDb TV 559969


def test_a_row_of_unknown_type_with_an_id_two_types_share_is_ambiguous(agents: Emulator) -> None:
    [m] = match_rows([row("x", kind="other", tvdb="81189")], listed(agents))
    assert m.status == AMBIGUOUS and not m.items


def test_seasons_are_listed_and_matched_for_season_rows(agents: Emulator) -> None:
    rows = [row("Season 1", 2008, kind="tv_season", tvdb="81189/1")]
    index = listed(agents, rows)
    assert any(i.type == "season" for i in index.items)
    assert one(rows, index) == [(MATCHED, ("Season 1",), "legacy_guid")]


# -- 5. ratings and plays as real servers report them -----------------------------------------------------------------
def test_a_partly_watched_show_is_not_watched_although_its_view_count_is_not_zero(agents: Emulator) -> None:
    index = listed(agents)
    show = next(i for i in index.items if i.title == "Breaking Bad")
    client = PlexClient.connect(agents.url, agents.token)
    raw = client.get(f"/library/metadata/{show.rating_key}")[0]
    assert raw.attrib["viewCount"] == "1" and raw.attrib["viewedLeafCount"] != raw.attrib["leafCount"]
    assert not show.watched


def write_export(path: Path, rows: list[tuple[str, int, str, str, int]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for imdb, rating, rated, title, year in rows:
            out.writerow([imdb, rating, rated, title, "", "movie", "7.0", "100", year, "Drama", "1000", "", ""])
    return path


def sync(emu: Emulator, path: Path, tmp_path: Path, policy: str) -> Any:
    client = PlexClient.connect(emu.url, emu.token)
    options = SyncOptions(all_libraries=True, plan=PlanOptions(policy=policy))
    plan, sections = prepare_plan(client, read_ratings(path), options)
    return execute_plan(client, plan, sections, options, report_dir=tmp_path / "reports")


def test_rate_sends_the_exports_date_so_policy_newer_compares_like_with_like(tmp_path: Path) -> None:
    lib = Library()
    default_sections(lib)
    undated = add_item(lib, "movie", "Undated", 2000, "plex://movie/01", ("imdb://tt0000101",), user_rating=6.0)
    dated = add_item(lib, "movie", "Dated", 2001, "plex://movie/02", ("imdb://tt0000102",), user_rating=6.0,
                 last_rated_at=int(datetime(2023, 6, 1, tzinfo=timezone.utc).timestamp()))
    with Emulator(EmulatorConfig(seed=32), library=lib) as emu:
        export = write_export(tmp_path / "ratings.csv", [("tt0000101", 8, "2020-03-04", "Undated", 2000),
                                                         ("tt0000102", 9, "2022-01-01", "Dated", 2001)])
        first = sync(emu, export, tmp_path, "newer")
        # Rated in Plex without a date: the export's rating is newer. Rated in Plex in 2023: Plex's is newer.
        assert first.tally.counts["Updated"] == 1
        state = emu.state()
        assert state[undated.rating_key].user_rating == 8.0 and state[dated.rating_key].user_rating == 6.0
        # Plex now says the title was rated when the export says, not when this run happened…
        assert state[undated.rating_key].last_rated_at == int(datetime(2020, 3, 4, tzinfo=timezone.utc).timestamp())
        # …so the same file under `newer` finds nothing newer to write.
        again = write_export(tmp_path / "again.csv", [("tt0000101", 3, "2020-03-04", "Undated", 2000)])
        second = sync(emu, again, tmp_path, "newer")
        assert second.tally.counts["Updated"] == 0 and emu.state()[undated.rating_key].user_rating == 8.0


def test_an_old_server_is_named_and_what_it_means_said(tmp_path: Path) -> None:
    with Emulator(EmulatorConfig(movies=30, shows=0, seed=33)) as emu:
        emu.ctx.version = "1.22.3.4392-d7c624def"
        client = PlexClient.connect(emu.url, emu.token)
        assert not client.sends_guids
        said: list[str] = []
        index = index_library(client, client.sections(), [row("x")], log=said.append)
        assert any("1.22.3" in s and "older than 1.24.3" in s and "title and year" in s for s in said)
        assert not any(g.startswith("imdb://") for i in index.items if not i.legacy for g in i.guids)
    with Emulator(EmulatorConfig(movies=30, shows=0, seed=33)) as emu:
        client = PlexClient.connect(emu.url, emu.token)
        said = []
        index_library(client, client.sections(), [row("x")], log=said.append)
        assert client.sends_guids and not any("older than" in s for s in said)


def test_a_season_or_episode_without_its_own_id_is_found_under_its_show(agents: Emulator) -> None:
    """Trakt/TMDb-style rows name the show's id and the season/episode numbers; TVDB 81189 is a show and a film
    here, and two shows have a season 1: only Breaking Bad's season 1 and its episode 2 fit."""
    episode = RatingRow("trakt", 2, None, "Cat's in the Bag...", None, 2008, "tv_episode", 8.0, 8.0, None,
                        season=1, episode=2, show_title="Breaking Bad", show_tvdb_id="81189")
    season = RatingRow("trakt", 3, None, "Season 1", None, 2008, "tv_season", 7.0, 7.0, None, season=1,
                       show_title="Breaking Bad", show_year=2008)
    missing = RatingRow("trakt", 4, None, "Nope", None, 2008, "tv_episode", 7.0, 7.0, None, season=9, episode=9,
                        show_tvdb_id="81189")
    index = listed(agents, [episode, season])
    matches = match_rows([episode, season, missing], index)
    assert [(m.status, m.method) for m in matches] == [(MATCHED, "show_position"), (MATCHED, "show_position"),
                                                        (NOT_FOUND, None)]
    assert [(i.type, i.title) for i in matches[0].items] == [("episode", "Cat's in the Bag...")]
    show = next(i for i in index.items if i.title == "Breaking Bad")
    assert [(i.type, i.show_key, i.season) for i in matches[1].items] == [("season", show.rating_key, 1)]
