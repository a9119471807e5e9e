"""The readers added behind the registry (TMDb, Trakt, Simkl, Criticker, Letterboxd import CSV, tt-less IMDb ids):
rows with every id, type, season/episode number, rating and date, the problems, and the files refused (FORMATS.md)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from ratings_to_plex import SourceError, read_ratings
from ratings_to_plex.sources import FORMATS, RatingRow, format_info, original_score
from ratings_to_plex.sources.model import EMPTY_RATING, INVALID_RATING, MISSING_IMDB_ID

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
TRAKT = FIXTURES / "trakt"


def ids(row: RatingRow) -> tuple[object, ...]:
    return (row.line, row.imdb_id, row.tmdb_id, row.tvdb_id, row.title, row.year, row.title_type, row.source_rating,
            row.plex_rating, row.rated_at)


def show(row: RatingRow) -> tuple[object, ...]:
    return (row.season, row.episode, row.show_title, row.show_year, row.show_imdb_id, row.show_tmdb_id,
            row.show_tvdb_id)


def problems(result: object) -> list[tuple[int, str, str]]:
    return [(p.line, p.label, p.reason) for p in result.problems]  # type: ignore[attr-defined]


def refusal(path: Path) -> str:
    with pytest.raises(SourceError) as err:
        read_ratings(path)
    assert "\n" not in str(err.value)
    return str(err.value)


def test_tmdb_movies_shows_seasons_episodes() -> None:
    result = read_ratings(FIXTURES / "tmdb_ratings.csv")
    assert (result.format, result.source, result.description) == ("tmdb_ratings", "tmdb", "TMDb ratings export")
    assert [ids(r) for r in result.rows] == [
        (2, "tt2395427", "99861", None, "Avengers: Age of Ultron", 2015, "movie", 6.0, 6.0, date(2023, 2, 11)),
        (3, "tt0133093", "603", None, "The Matrix", 1999, "movie", 9.5, 9.5, date(2023, 2, 12)),  # half steps kept
        (4, "tt0903747", "1396", None, "Breaking Bad", 2008, "tv_series", 10.0, 10.0, date(2023, 3, 1)),
        # a season's and an episode's ids are the show's: they go to show_*, the row is found by its numbers
        (5, None, None, None, "Breaking Bad", 2009, "tv_season", 8.0, 8.0, date(2023, 3, 2)),
        (6, None, None, None, "Breaking Bad", 2008, "tv_episode", 7.0, 7.0, date(2023, 3, 3)),
        (7, None, "1399", None, "Game of Thrones, the series", 2011, "tv_series", 4.5, 4.5, date(2023, 4, 1)),
    ]
    assert show(result.rows[3]) == (2, None, None, None, "tt0903747", "1396", None)
    assert show(result.rows[4]) == (1, 1, None, None, "tt0903747", "1396", None)
    assert show(result.rows[0]) == (None,) * 7
    assert problems(result) == [
        (8, INVALID_RATING, "Your Rating '11.0' is not 0.5–10 in steps of 0.5"),
        (9, INVALID_RATING, "Your Rating '0.5' is below 1, the lowest rating Plex keeps"),
        (10, INVALID_RATING, "Your Rating '٧' is not a number"),
        (11, INVALID_RATING, "Your Rating '9.9999999999999999' is not 0.5–10 in steps of 0.5"),
        (12, INVALID_RATING, "Your Rating '7.25' is not 0.5–10 in steps of 0.5"),
    ]
    assert result.rows[0].raw["Rating"] == "7.3"  # TMDb's average, kept in the raw row only


def test_tmdb_watchlist_is_refused() -> None:
    assert refusal(FIXTURES / "tmdb_watchlist.csv") == (
        "tmdb_watchlist.csv: no row has a rating in 'Your Rating'; this looks like a TMDb watchlist export, not your "
        "ratings (Settings → Import/Export → Export ratings)")


def test_trakt_json_files_one_by_one() -> None:
    movies = read_ratings(TRAKT / "ratings-movies.json")
    assert (movies.format, movies.source, movies.columns[:3]) == ("trakt_ratings", "trakt", ["file", "type", "title"])
    assert [ids(r) for r in movies.rows] == [
        (1, "tt0113277", "949", None, "Heat", 1995, "movie", 8.0, 8.0, date(2023, 6, 1)),
        (2, None, "194", None, "Amélie", 2001, "movie", 10.0, 10.0, date(2023, 6, 2)),
    ]
    assert problems(movies) == [(3, INVALID_RATING, "rating '11' is outside 1–10"),
                                (4, INVALID_RATING, "rating '9.9999999999999999' is not a whole number "
                                                    "(ratings are 1–10)")]
    assert movies.problems[0].raw["title"] == "Too High" and movies.rows[0].raw["trakt"] == "1"
    episodes = read_ratings(TRAKT / "ratings-episodes.json")
    assert [ids(r) + show(r) for r in episodes.rows] == [
        (1, "tt1054724", "62087", "349234", "...And the Bag's in the River", None, "tv_episode", 10.0, 10.0,
         date(2023, 7, 3), 1, 3, "Breaking Bad", 2008, "tt0903747", "1396", "81189"),
        (2, None, None, None, "Good Cop Bad Cop", None, "tv_episode", 6.0, 6.0, date(2023, 7, 4),
         0, 1, "Breaking Bad", 2008, "tt0903747", "1396", "81189"),  # season 0: specials
    ]


def test_trakt_export_zip_reads_the_four_ratings_files_only(tmp_path: Path) -> None:
    export = tmp_path / "trakt-export.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(TRAKT.iterdir(), reverse=True):  # episodes before movies in the zip: order is ours
            archive.write(path, f"export/{path.name}")
    result = read_ratings(export)
    assert result.notes == ["Read ratings-movies.json, ratings-shows.json, ratings-seasons.json, ratings-episodes.json "
                            "from the Trakt export trakt-export.zip"]
    assert [(r.line, r.title_type, r.season, r.episode, r.plex_rating) for r in result.rows] == [
        (1, "movie", None, None, 8.0), (2, "movie", None, None, 10.0), (5, "tv_series", None, None, 9.0),
        (6, "tv_season", 2, None, 7.0), (7, "tv_episode", 1, 3, 10.0), (8, "tv_episode", 0, 1, 6.0)]
    season = result.rows[3]
    assert ids(season) == (6, None, "3573", "171641", "Breaking Bad", None, "tv_season", 7.0, 7.0, date(2023, 7, 2))
    assert {p.raw["file"] for p in result.problems} == {"ratings-movies.json"}


def test_trakt_files_without_ratings_are_refused(tmp_path: Path) -> None:
    assert refusal(TRAKT / "watched-movies.json") == (
        "watched-movies.json, line 1: this looks like a Trakt watched list export (no ratings); expected "
        "ratings-movies.json, ratings-shows.json, ratings-seasons.json or ratings-episodes.json from a Trakt export")
    history = tmp_path / "history.json"
    history.write_text('[{"id": 1, "watched_at": "2020-01-01T00:00:00.000Z", "type": "movie"}]')
    assert "a Trakt history export (no ratings)" in refusal(history)
    empty = tmp_path / "ratings-shows.json"
    empty.write_text("[]\n")
    assert (read_ratings(empty).format, read_ratings(empty).rows) == ("trakt_ratings", [])


def test_simkl_json_backup() -> None:
    result = read_ratings(FIXTURES / "simkl_backup.json")
    assert (result.format, result.source, result.description) == ("simkl_backup", "simkl", "Simkl backup (JSON)")
    assert [ids(r) for r in result.rows] == [
        (1, "tt0113277", "949", None, "Heat", 1995, "movie", 9.0, 9.0, date(2022, 4, 3)),
        (5, "tt0903747", "1396", "81189", "Breaking Bad", 2008, "tv_series", 10.0, 10.0, date(2022, 6, 1)),
        (6, "tt0213338", None, "76885", "Cowboy Bebop", 1998, "tv_series", 8.0, 8.0, None),  # anime_type tv
        (7, "tt0245429", "129", None, "Spirited Away", 2001, "movie", 7.0, 7.0, None),  # anime_type movie
        (8, None, None, "81472", "Hellsing Ultimate", 2006, "other", 6.0, 6.0, None),  # an OVA: matched by id only
    ]
    assert problems(result) == [(3, EMPTY_RATING, "user_rating is empty"),
                                (4, INVALID_RATING, "user_rating '८' is not a number")]
    assert result.notes == ["1 plan-to-watch entry without a rating (the watchlist) left out"]


def test_simkl_csv_backup_and_watchlist() -> None:
    result = read_ratings(FIXTURES / "simkl_backup.csv")
    assert result.description == "Simkl backup (CSV)"
    assert [ids(r) for r in result.rows] == [
        (2, "tt0113277", "949", None, "Heat", 1995, "movie", 9.0, 9.0, date(2022, 4, 3)),  # day-first date
        (3, "tt0903747", "1396", "81189", "Breaking Bad", 2008, "tv_series", 10.0, 10.0, date(2013, 9, 30)),
        (4, "tt0213338", None, "76885", "Cowboy Bebop", 1998, "other", 8.0, 8.0, date(2020, 1, 1)),
    ]
    assert problems(result) == [(6, EMPTY_RATING, "Rating is empty"),
                                (7, INVALID_RATING, "Rating '12' is outside 1–10")]
    assert refusal(FIXTURES / "simkl_watchlist.json") == (
        "simkl_watchlist.json: this Simkl backup holds only plan-to-watch entries (a watchlist, no ratings)")


def test_criticker_csv_on_the_100_point_scale() -> None:
    result = read_ratings(FIXTURES / "criticker_ratings.csv")
    assert (result.format, result.source) == ("criticker_ratings", "criticker")
    assert result.columns == ["Score", "Film Name", "Year", "Date Rated", "Mini Review", "URL", "IMDB ID"]
    assert [ids(r) for r in result.rows] == [
        (2, "tt0113277", None, None, "Heat", 1995, "movie", 86.0, 9.0, date(2019, 3, 2)),  # 8.6 rounds up
        (3, "tt0211915", None, None, "Amélie", 2001, "movie", 45.0, 5.0, date(2020, 1, 10)),  # 4.5 rounds half up
        (4, "tt0999999", None, None, "Bad Movie", 2010, "movie", 5.0, 1.0, date(2020, 2, 1)),  # at least 1
        (5, None, None, None, "Worst Movie", 2011, "movie", 0.0, 1.0, date(2020, 2, 2)),
        (6, "tt0903747", None, None, "Breaking Bad", 2008, "tv_series", 100.0, 10.0, date(2019, 3, 3)),  # /tv/
    ]
    assert result.rows[0].raw["Mini Review"] == "Great, tense"  # quoted after ", ": the comma stays in the field
    assert problems(result) == [(7, INVALID_RATING, "Score '101' is not a number from 0 to 100"),
                                (8, INVALID_RATING, "Score '８' is not a number from 0 to 100")]
    assert result.notes[0].startswith("Criticker scores are on a 0–100 scale here")
    assert original_score(result.rows[0]) == "Criticker score 86"  # logged beside the Plex value (9)
    assert original_score(read_ratings(FIXTURES / "tmdb_ratings.csv").rows[0]) is None


def test_criticker_csv_on_the_10_point_scale_and_xml() -> None:
    ten = read_ratings(FIXTURES / "criticker_ratings_10.csv")
    assert [(r.title, r.source_rating, r.plex_rating) for r in ten.rows] == [
        ("Heat", 9.0, 9.0), ("Worst Movie", 0.0, 1.0), ("Half", 7.5, 7.5)]
    assert ten.notes[0] == "Criticker scores are on a 0–10 scale here: kept as they are (0 becomes 1)"
    xml = read_ratings(FIXTURES / "criticker_ratings.xml")
    assert (xml.format, xml.description) == ("criticker_ratings", "Criticker ratings (XML)")
    assert [ids(r) for r in xml.rows] == [
        (1, "tt0113277", None, None, "Heat", 1995, "movie", 86.0, 9.0, None),
        (2, "tt0062622", None, None, "2001: A Space Odyssey", 1968, "movie", 95.0, 10.0, None),
        (3, None, None, None, "Breaking Bad", 2008, "tv_series", 100.0, 10.0, None),
    ]
    assert problems(xml) == [(4, INVALID_RATING, "Score is empty")]
    assert xml.rows[0].raw["filmid"] == "1234"


def test_criticker_xml_with_entities_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "ratings.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    "<recentratings><film><filmname>&b;</filmname><score>5</score></film></recentratings>")
    assert refusal(bomb).startswith("ratings.xml: is not readable XML")


def test_letterboxd_import_csv_prefers_rating10() -> None:
    result = read_ratings(FIXTURES / "letterboxd_import.csv")
    assert (result.format, result.source, result.description) == (
        "letterboxd_import", "letterboxd", "Letterboxd import CSV (with Rating10)")
    assert [ids(r) for r in result.rows] == [
        (2, "tt0190332", "146", None, "Crouching Tiger, Hidden Dragon", 2000, "movie", 9.0, 9.0, date(2021, 5, 14)),
        (3, "tt6751668", "496243", None, "Parasite", 2019, "movie", 5.0, 10.0, date(2022, 1, 8)),  # stars × 2
        (4, None, None, None, "Only Stars", 2001, "movie", 3.5, 7.0, None),
        (5, "tt0000004", None, None, "Rating10 Wins", 2002, "movie", 7.0, 7.0, None),  # Rating10 over Rating
    ]
    assert problems(result) == [
        (6, EMPTY_RATING, "Rating and Rating10 are empty"),
        (7, INVALID_RATING, "Rating10 '7.5' is not a whole number (ratings are 1–10)"),
        (8, INVALID_RATING, "Rating '5.5' is not 0.5–5 stars in steps of 0.5"),
    ]
    assert result.notes == ["1 row(s) have an IMDb id without its 'tt' in imdbID (first on line 3); read as tt + "
                            "the digits"]


def test_letterboxd_import_any_subset_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "import.csv"
    path.write_text("Rating10,Title,Year\n8,Heat,1995\n")
    result = read_ratings(path)
    assert (result.format, [(r.title, r.year, r.plex_rating) for r in result.rows]) == (
        "letterboxd_import", [("Heat", 1995, 8.0)])


def test_imdb_const_without_tt_and_non_ascii_ratings() -> None:
    result = read_ratings(FIXTURES / "imdb_bare_ids.csv")
    assert [(r.line, r.imdb_id, r.plex_rating) for r in result.rows] == [
        (2, "tt0113277", 8.0), (3, "tt10366206", 7.0), (5, "tt0111161", 10.0)]
    assert problems(result) == [
        (4, MISSING_IMDB_ID, "Const '113277' is not tt + 7–8 digits"),  # six digits: not an id
        (6, INVALID_RATING, "Your Rating '１０' is not a number"),
        (7, INVALID_RATING, "Your Rating '१०' is not a number"),
        (8, INVALID_RATING, "Your Rating '9.9999999999999999' is not a whole number (IMDb ratings are 1–10)"),
    ]
    assert result.notes == ["2 row(s) have an IMDb id without its 'tt' in Const (first on line 2); read as tt + "
                            "the digits"]


def test_registry_describes_every_format() -> None:
    assert FORMATS == ("imdb_ratings", "letterboxd_ratings", "letterboxd_diary", "letterboxd_reviews",
                       "letterboxd_watched", "tmdb_ratings", "trakt_ratings", "simkl_backup", "criticker_ratings",
                       "letterboxd_import", "ratings_to_plex_backup")
    assert [format_info(name).source for name in FORMATS] == ["imdb"] + ["letterboxd"] * 4 + [
        "tmdb", "trakt", "simkl", "criticker", "letterboxd", "ratings_to_plex"]
    assert [name for name in FORMATS if not format_info(name).ratings] == ["letterboxd_watched"]
    assert format_info("criticker_ratings").label == "Criticker ratings"
    with pytest.raises(ValueError, match="unknown source format 'nope'"):
        format_info("nope")


def test_own_json_backup_as_a_source() -> None:
    result = read_ratings(FIXTURES / "ratings_to_plex_backup.json")
    assert (result.format, result.source, result.description) == (
        "ratings_to_plex_backup", "ratings_to_plex", "ratings-to-plex backup")
    assert [ids(r) + show(r)[:3] for r in result.rows] == [
        (1, "tt0113277", "949", None, "Heat", 1995, "movie", 8.0, 8.0, date(2024, 7, 3), None, None, None),
        (2, "tt0959621", None, None, "Pilot", 2008, "tv_episode", 7.5, 7.5, None, 1, 1, "Breaking Bad"),
        (3, None, None, "171641", "Season 2", 2009, "tv_season", 6.0, 6.0, None, 2, None, "Breaking Bad"),
    ]
    assert problems(result) == [(5, INVALID_RATING, "user_rating '12' is not a Plex rating (1–10)")]
    assert result.notes == ["1 watched item(s) without a rating left out"]
