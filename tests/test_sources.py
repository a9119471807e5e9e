"""read_ratings on one fixture per real export variant (FORMATS.md): rows field by field, problems with lines."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from ratings_to_plex import SourceError, read_ratings
from ratings_to_plex.sources import Problem, RatingRow
from ratings_to_plex.sources.model import EMPTY_RATING, INVALID_RATING, MISSING_IMDB_ID

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def fields(row: RatingRow) -> tuple[object, ...]:
    """Everything but `source`, `raw` and the ids other sources would fill."""
    return (row.line, row.imdb_id, row.title, row.original_title, row.year, row.title_type, row.source_rating,
            row.plex_rating, row.rated_at)


def problems(found: list[Problem]) -> list[tuple[int, str, str]]:
    return [(p.line, p.label, p.reason) for p in found]


def test_imdb_pre_2017_quoted_legacy_format() -> None:
    result = read_ratings(FIXTURES / "imdb_pre2017.csv")
    assert (result.format, result.description) == ("imdb_ratings", "IMDb ratings, pre-2017 format")
    assert result.columns[:3] == ["position", "const", "created"] and "You rated" in result.columns
    assert [fields(r) for r in result.rows] == [
        (2, "tt0111161", "The Shawshank Redemption", None, 1994, "movie", 10.0, 10.0, date(2016, 9, 7)),
        (3, "tt0903747", "Breaking Bad", None, 2008, "tv_series", 9.0, 9.0, date(2017, 1, 29)),
        # the description of this row spans lines 4–5, so the next row starts on line 6
        (4, "tt0185906", "Band of Brothers", None, 2001, "tv_mini_series", 10.0, 10.0, date(2011, 2, 14)),
        (6, "tt0108052", "Schindler's List", None, 1993, "movie", 8.0, 8.0, date(2011, 3, 1)),
        (7, "tt0119177", "Gattaca", None, 1997, "tv_movie", 7.0, 7.0, date(2016, 4, 15)),
        (8, "tt0436232", "Murderball", None, 2005, "movie", 8.0, 8.0, date(2016, 12, 31)),  # Documentary
        (9, "tt0959621", "Breaking Bad: Pilot", None, 2008, "tv_episode", 8.0, 8.0, date(2016, 6, 2)),
        (10, "tt0390022", "Batman: The Mystery of the Batwoman", None, 2003, "video", 6.0, 6.0, date(2016, 6, 2)),
        (11, "tt0092240", "Luxo Jr.", None, 1986, "short", 9.0, 9.0, date(2016, 7, 1)),
    ]
    assert problems(result.problems) == [(12, MISSING_IMDB_ID, "const 'tt12' is not tt + 7–8 digits")]
    assert all(r.source == "imdb" for r in result.rows)
    assert result.rows[2].raw["description"] == "A note\nover two lines"
    assert result.rows[0].raw["Genres"] == "crime, drama"
    assert result.notes == []


def test_imdb_2017_camelcase_types_and_every_bad_value() -> None:
    result = read_ratings(FIXTURES / "imdb_2017.csv")
    assert result.description == "IMDb ratings, 2017–2024 format"
    assert [(r.line, r.imdb_id, r.title_type, r.plex_rating) for r in result.rows] == [
        (2, "tt0111161", "movie", 10.0), (3, "tt0903747", "tv_series", 9.0), (4, "tt0185906", "tv_mini_series", 10.0),
        (5, "tt0119177", "tv_movie", 7.0), (6, "tt0959621", "tv_episode", 8.0),  # "8.0" is 8
        (7, "tt1865718", "tv_special", 6.0), (8, "tt0092240", "short", 9.0), (9, "tt2356180", "short", 5.0),
        (10, "tt0390022", "video", 6.0), (11, "tt10366206", "other", 8.0),  # videoGame; an 8-digit id
    ]
    assert result.rows[5].title == 'Louis C.K.: Live at the "Beacon Theater"'
    assert result.rows[0].original_title is None and result.rows[0].rated_at == date(2019, 3, 2)
    assert problems(result.problems) == [
        (12, MISSING_IMDB_ID, "Const 'tt12' is not tt + 7–8 digits"),
        (13, MISSING_IMDB_ID, "Const is empty"),
        (14, INVALID_RATING, "Your Rating '8.5' is not a whole number (IMDb ratings are 1–10)"),
        (15, INVALID_RATING, "Your Rating '0' is outside 1–10"),
        (16, INVALID_RATING, "Your Rating '11' is outside 1–10"),
        (17, INVALID_RATING, "Your Rating is empty"),
        (18, INVALID_RATING, "Your Rating 'abc' is not a number"),
    ]
    assert result.problems[0].raw["Title"] == "Short Id"
    assert result.notes == []  # videoGame is a known type (other), so nothing to report


def test_imdb_2024_original_title_display_types_and_non_latin() -> None:
    result = read_ratings(FIXTURES / "imdb_2024.csv")
    assert result.description == "IMDb ratings, 2024 format (with Original Title)"
    assert result.columns[4] == "Original Title"
    assert [fields(r) for r in result.rows] == [
        (2, "tt0903747", "Breaking Bad", "Breaking Bad", 2008, "tv_series", 9.0, 9.0, date(2024, 10, 24)),
        (3, "tt0245429", "Spirited Away", "千と千尋の神隠し", 2001, "movie", 10.0, 10.0, date(2024, 10, 25)),
        (4, "tt0087843", "Det var en gång i Amerika", "Once Upon a Time in America", 1984, "movie", 8.0, 8.0,
         date(2024, 10, 26)),
        (5, "tt0118799", "Life Is Beautiful", "La vita è bella", 1997, "movie", 9.0, 9.0, date(2024, 10, 27)),
        (6, "tt0117571", "Крик", "Scream", 1996, "tv_mini_series", 7.0, 7.0, date(2024, 10, 28)),
        (7, "tt8526872", "Dolly Parton's Christmas of Many Colors: Circle of Love",
         "Dolly Parton's Christmas of Many Colors: Circle of Love", 2016, "tv_movie", 6.0, 6.0, date(2024, 10, 29)),
        (8, "tt12345678", "The Joe Rogan Experience", "The Joe Rogan Experience", 2009, "other", 8.0, 8.0,
         date(2024, 10, 30)),
        (9, "tt2575988", "Silicon Valley", "Silicon Valley", 2014, "tv_special", 7.0, 7.0, date(2024, 10, 31)),
        # re-saved row: M/D/YYYY
        (10, "tt0959621", "Breaking Bad: Pilot", "Breaking Bad: Pilot", 2008, "tv_episode", 8.0, 8.0,
         date(2026, 1, 22)),
    ]
    assert result.problems == [] and result.notes == []
    assert result.rows[0].raw["Genres"] == "Crime, Drama, Thriller" and result.rows[0].raw["Directors"] == ""


def test_imdb_2025_italian_with_main_actors() -> None:
    result = read_ratings(FIXTURES / "imdb_2025_it.csv")
    assert result.description == "IMDb ratings, 2025 format (with Original Title and Main Actors)"
    assert result.columns[-1] == "Main Actors"
    assert [(r.imdb_id, r.title, r.original_title, r.title_type) for r in result.rows] == [
        ("tt0211915", "Il favoloso mondo di Amélie", "Le fabuleux destin d'Amélie Poulain", "movie"),
        ("tt0903747", "Breaking Bad - Reazioni collaterali", "Breaking Bad", "tv_series"),
        ("tt0185906", "Band of Brothers - Fratelli al fronte", "Band of Brothers", "tv_mini_series"),
        ("tt0119177", "Gattaca - La porta dell'universo", "Gattaca", "tv_movie"),
        ("tt0959621", "Breaking Bad - Reazioni collaterali: Pilota", "Breaking Bad: Pilot", "tv_episode"),
        ("tt0092240", "Luxo Jr.", "Luxo Jr.", "short"),
        ("tt1234567", "Un videoclip", "Some Music Video", "other"),  # unknown: kept, reported
    ]
    assert result.rows[0].raw["Main Actors"] == "Audrey Tautou, Mathieu Kassovitz"
    assert result.notes == ["1 row(s) have a title type this version does not know ('Videoclip musicale' ×1); "
                            'they are kept and count as type "other"']


def test_imdb_spreadsheet_resave_semicolon_cp1252_crlf_us_dates_trailing_blank_rows() -> None:
    result = read_ratings(FIXTURES / "imdb_spreadsheet_cp1252.csv")
    assert result.format == "imdb_ratings"
    assert [(r.line, r.imdb_id, r.title, r.plex_rating, r.rated_at) for r in result.rows] == [
        (2, "tt0211915", "Le fabuleux destin d'Amélie Poulain", 8.0, date(2026, 1, 22)),
        (3, "tt0118799", "La vita è bella", 9.0, date(2025, 12, 3)),
        (4, "tt0087843", "Once Upon a Time; in America", 7.0, date(2024, 2, 29)),
        (5, "tt0959621", "Breaking Bad: Pilot", 8.0, date(2025, 1, 13)),  # 13/1/2025 can only be day/month
        (6, "tt0110912", "Pulp Fiction", 10.0, None),  # 2/30/2024 is no date: None, not an error
    ]
    assert result.problems == []
    assert result.rows[0].raw["IMDb Rating"] == "8,3"
    assert result.notes == ["imdb_spreadsheet_cp1252.csv is Windows-1252 text, not UTF-8; read it as such",
                            "imdb_spreadsheet_cp1252.csv is semicolon-separated (re-saved by a spreadsheet?); "
                            "read it as such"]


def test_imdb_utf8_bom() -> None:
    result = read_ratings(FIXTURES / "imdb_utf8_bom.csv")
    assert result.columns[0] == "Const"  # no BOM left on the first column name
    assert [(r.line, r.imdb_id, r.title) for r in result.rows] == [
        (2, "tt0118799", "La vita è bella"), (3, "tt0245429", "Sen to Chihiro no kamikakushi")]
    assert result.notes == []


def test_imdb_utf16_tab_separated() -> None:
    result = read_ratings(FIXTURES / "imdb_utf16.csv")
    assert [fields(r) for r in result.rows] == [
        (2, "tt0245429", "千と千尋の神隠し", "千と千尋の神隠し", 2001, "movie", 10.0, 10.0, date(2024, 10, 25)),
        (3, "tt0117571", "Крик", "Scream", 1996, "movie", 7.0, 7.0, date(2024, 10, 28)),
    ]
    assert result.notes == ["imdb_utf16.csv is UTF-16 text, not UTF-8; read it as such",
                            "imdb_utf16.csv is tab-separated (re-saved by a spreadsheet?); read it as such"]


def test_imdb_watchlist_is_refused() -> None:
    with pytest.raises(SourceError) as err:
        read_ratings(FIXTURES / "imdb_watchlist.csv")
    assert str(err.value) == ('imdb_watchlist.csv, line 1: this looks like an IMDb watchlist or list export (it has a '
                              '"Position" column and is not your ratings); expected an IMDb "Your Ratings" export')


def test_letterboxd_ratings() -> None:
    result = read_ratings(FIXTURES / "letterboxd_ratings.csv")
    assert (result.format, result.description, result.source) == (
        "letterboxd_ratings", "Letterboxd ratings", "letterboxd")
    assert [fields(r) for r in result.rows] == [
        (2, None, "Crouching Tiger, Hidden Dragon", None, 2000, "movie", 4.5, 9.0, date(2021, 5, 14)),
        (3, None, "Amélie", None, 2001, "movie", 5.0, 10.0, date(2021, 5, 15)),
        (4, None, "千と千尋の神隠し", None, 2001, "movie", 0.5, 1.0, date(2021, 5, 16)),
        (5, None, 'The "Good" Place 🎬', None, 2019, "movie", 3.0, 6.0, date(2021, 5, 17)),
    ]
    assert all(r.source == "letterboxd" for r in result.rows)
    assert result.rows[0].raw["Letterboxd URI"] == "https://boxd.it/2bQk"
    assert problems(result.problems) == [
        (6, INVALID_RATING, "Rating '6' is not 0.5–5 stars in steps of 0.5"),
        (7, INVALID_RATING, "Rating '3.7' is not 0.5–5 stars in steps of 0.5"),
        (8, INVALID_RATING, "Rating is empty"),
    ]


def test_letterboxd_diary_newest_rated_entry_per_film() -> None:
    result = read_ratings(FIXTURES / "letterboxd_diary.csv")
    assert (result.format, result.description) == ("letterboxd_diary", "Letterboxd diary")
    assert [(r.line, r.title, r.year, r.source_rating, r.plex_rating, r.rated_at) for r in result.rows] == [
        (3, "Parasite", 2019, 5.0, 10.0, date(2022, 1, 9)),  # a newer unrated rewatch (line 4) does not erase it
        (5, "Heat", 1995, 3.5, 7.0, date(2021, 6, 1)),  # short links differ per entry: same film by name + year
        (9, "Solaris", 1972, 2.5, 5.0, date(2021, 10, 1)),  # same name, other year: another film
        (10, "Solaris", 2002, 3.0, 6.0, date(2021, 10, 2)),
        (13, "Crouching Tiger, Hidden Dragon", 2000, 4.5, 9.0, date(2019, 2, 1)),  # no Watched Date: Date counts
    ]
    assert problems(result.problems) == [
        (8, EMPTY_RATING, "no entry for this film has a rating"),  # Tenet: two unrated entries, counted once
        (11, INVALID_RATING, "Rating '7' is not 0.5–5 stars in steps of 0.5"),
    ]
    assert result.notes == ["letterboxd_diary.csv: 12 entries for 5 rated film(s); for a film logged more than once, "
                            "its newest rated entry is used (5 older or unrated entries set aside)"]


def test_letterboxd_reviews_multiline_html_quotes_emoji_crlf() -> None:
    result = read_ratings(FIXTURES / "letterboxd_reviews.csv")
    assert (result.format, result.description) == ("letterboxd_reviews", "Letterboxd reviews")
    assert [(r.line, r.title, r.plex_rating, r.rated_at) for r in result.rows] == [
        (2, "Parasite", 10.0, date(2022, 2, 2)),  # its review spans lines 2–4
        (5, "Amélie", 9.0, date(2022, 3, 3)),
        (8, "千と千尋の神隠し", 8.0, date(2022, 5, 5)),
    ]
    assert result.rows[0].raw["Review"] == ('<b>Wow.</b> The "stairs" scene, the peach, the rain 🌧️\r\n\r\n'
                                            "Second paragraph: <i>still</i> thinking about it.")
    assert result.rows[2].raw["Review"] == '<a href="https://example.com">link</a>, emoji 🐉'
    assert problems(result.problems) == [(6, EMPTY_RATING, "no entry for this film has a rating")]


def test_letterboxd_watched_has_no_ratings() -> None:
    result = read_ratings(FIXTURES / "letterboxd_watched.csv")
    assert (result.format, result.description) == ("letterboxd_watched", "Letterboxd watched films")
    assert [fields(r) for r in result.rows] == [
        (2, None, "Parasite", None, 2019, "movie", None, None, date(2018, 3, 1)),
        (3, None, "Crouching Tiger, Hidden Dragon", None, 2000, "movie", None, None, date(2018, 3, 1)),
        (4, None, "Untitled Year", None, None, "movie", None, None, date(2018, 3, 1)),
    ]
    assert result.problems == [] and result.notes == []


def test_letterboxd_watchlist_and_watched_share_a_header(tmp_path: Path) -> None:
    header = (FIXTURES / "letterboxd_watched.csv").read_bytes()
    (tmp_path / "watchlist.csv").write_bytes(header)
    with pytest.raises(SourceError, match=r"^watchlist\.csv, line 1: this looks like a Letterboxd watchlist"):
        read_ratings(tmp_path / "watchlist.csv")
    (tmp_path / "films.csv").write_bytes(header)  # likes/films.csv, or a renamed file: read as watched, and said so
    result = read_ratings(tmp_path / "films.csv")
    assert result.format == "letterboxd_watched" and len(result.rows) == 3
    assert result.notes == ["films.csv has the columns of Letterboxd's watched.csv (watchlist.csv has the same ones); "
                            "read it as watched films because its name does not say watchlist"]


def test_letterboxd_list_export_is_refused() -> None:
    with pytest.raises(SourceError) as err:
        read_ratings(FIXTURES / "letterboxd_list.csv")
    assert str(err.value) == ("letterboxd_list.csv, line 1: this looks like a Letterboxd list export (a list of "
                              "films, not your ratings); expected ratings.csv or diary.csv from Settings → Data → "
                              "Export")


def _export_zip(path: Path, ratings_name: str = "ratings.csv") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(FIXTURES / "letterboxd_ratings.csv", ratings_name)
        archive.write(FIXTURES / "letterboxd_diary.csv", "diary.csv")
        archive.write(FIXTURES / "letterboxd_watched.csv", "watched.csv")
        archive.writestr("profile.csv", "Date Joined,Username\n2020-01-01,someone\n")
        archive.writestr("deleted/ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,Gone,2000,x,1\n")
        archive.writestr("lists/best-of-2022.csv", (FIXTURES / "letterboxd_list.csv").read_text("utf-8"))
    return path


def test_letterboxd_export_zip_reads_its_ratings_csv(tmp_path: Path) -> None:
    zipped = _export_zip(tmp_path / "letterboxd-someone-2026-01-21-11-20-utc.zip")
    result = read_ratings(zipped)
    plain = read_ratings(FIXTURES / "letterboxd_ratings.csv")
    assert result.format == "letterboxd_ratings" and result.file == zipped
    assert [fields(r) for r in result.rows] == [fields(r) for r in plain.rows]
    assert problems(result.problems) == problems(plain.problems)
    assert result.notes == ["Read ratings.csv from the Letterboxd export letterboxd-someone-2026-01-21-11-20-utc.zip"]


def test_letterboxd_zip_in_a_folder_and_without_ratings(tmp_path: Path) -> None:
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as archive:
        archive.write(FIXTURES / "letterboxd_ratings.csv", "letterboxd-someone/ratings.csv")
    assert len(read_ratings(nested).rows) == 4
    empty = tmp_path / "export.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.write(FIXTURES / "letterboxd_watched.csv", "watched.csv")
        archive.writestr("deleted/ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n")
    with pytest.raises(SourceError) as err:
        read_ratings(empty)
    imdb = tmp_path / "imdb.zip"  # someone zipped their IMDb export: read it, without calling it Letterboxd's
    with zipfile.ZipFile(imdb, "w") as archive:
        archive.write(FIXTURES / "imdb_2024.csv", "ratings.csv")
    result = read_ratings(imdb)
    assert (result.format, len(result.rows), result.notes) == ("imdb_ratings", 9, ["Read ratings.csv from imdb.zip"])
    assert str(err.value) == ("export.zip: holds no ratings file; expected a Letterboxd export zip (with ratings.csv), "
                              "a Trakt export zip (with ratings-movies.json …) or a zip holding one export file")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.csv")))
def test_every_fixture_reads_or_refuses_with_one_line(name: str) -> None:
    try:
        result = read_ratings(FIXTURES / name)
    except SourceError as err:
        assert "\n" not in str(err) and str(err).startswith(name)
    else:
        assert result.columns and result.description
        for row in result.rows:
            assert set(row.raw) == set(result.columns)
