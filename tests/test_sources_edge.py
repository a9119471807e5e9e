"""read_ratings on damaged, odd and foreign files: every failure is one SourceError line, every oddity a note."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from ratings_to_plex import SourceError, read_ratings
from ratings_to_plex.sources.dates import parse_date, parse_year
from ratings_to_plex.sources.model import TITLE_TYPES
from ratings_to_plex.sources.title_types import classify, normalise_title_type

HEADER_2024 = ("Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,"
               "Genres,Num Votes,Release Date,Directors")
ROW_2024 = "tt0111161,10,2024-01-02,The Shawshank Redemption,,https://www.imdb.com/title/tt0111161,Movie,9.3,142,1994,Drama,1,1994-09-10,"


EXPECTED = ("expected a ratings export from IMDb, Letterboxd, TMDb, Trakt, Simkl or Criticker, or a Letterboxd "
            "import CSV")


def write(tmp_path: Path, data: bytes | str, name: str = "ratings.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def error(path: Path) -> str:
    with pytest.raises(SourceError) as err:
        read_ratings(path)
    message = str(err.value)
    assert "\n" not in message
    return message


# -- files that cannot be used ---------------------------------------------------------------------------------------
def test_missing_file_folder_and_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert error(tmp_path / "nope.csv").endswith(f"nope.csv: no such file; {EXPECTED}")
    assert "is a folder; choose the export file" in error(tmp_path)
    locked = write(tmp_path, HEADER_2024)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert error(locked) == f"{locked}: permission denied; this account cannot read it"


def test_empty_blank_and_header_only(tmp_path: Path) -> None:
    assert error(write(tmp_path, b"")) == f"ratings.csv: is empty; {EXPECTED}"
    assert error(write(tmp_path, "\r\n  \n,,,\n")) == ("ratings.csv, line 3: ends before any header; the file holds "
                                                      "only blank lines")
    result = read_ratings(write(tmp_path, HEADER_2024 + "\n"))
    assert (result.rows, result.problems, len(result.columns)) == ([], [], 14)


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    bytes(range(256)) * 4,
    b"Const,Your Rating\n\x00\x01\x02\x03\x04\x05\x06\x07",
    b"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10",
])
def test_binary_files_are_not_text_csv(tmp_path: Path, data: bytes) -> None:
    assert "this does not look like a text CSV" in error(write(tmp_path, data))


def test_nul_byte_after_the_sample_is_data(tmp_path: Path) -> None:
    """Binary files are caught on their first 64 KB; past that, Python's csv (3.11+) reads a NUL as a character."""
    rows = [ROW_2024] * 2000 + ["tt0111161,10,2024-01-02,Bad\x00Title,,u,Movie,1,1,1994,,1,,"]
    result = read_ratings(write(tmp_path, "\n".join([HEADER_2024, *rows])))
    assert (len(result.rows), result.rows[-1].line, result.rows[-1].title) == (2001, 2002, "Bad\x00Title")


def test_overlong_field_and_header(tmp_path: Path) -> None:
    unclosed = HEADER_2024 + '\ntt0111161,10,2024-01-02,"' + "x" * (17 * 1024 * 1024)
    assert error(write(tmp_path, unclosed)) == ("ratings.csv, line 2: is longer than 4 MB; this is not a rating "
                                                "export (or it is damaged)")
    over_lines = HEADER_2024 + '\ntt0111161,10,2024-01-02,"' + "x\n" * (9 * 1024 * 1024)  # 18 MB over many lines
    assert "a field is longer than 16 MB (an unclosed quote?)" in error(write(tmp_path, over_lines))
    assert "the first line is longer than 1 MB" in error(write(tmp_path, "Const," + "y" * (1024 * 1024 + 10)))


@pytest.mark.parametrize(("first_line", "looks_like"), [
    ("Position,Const,Created,Modified,Description,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),"
     "Year,Genres,Num Votes,Release Date,Directors,Your Rating,Date Rated",  # 2025 watchlist: has Your Rating
     "an IMDb watchlist or list export"),
    ("Const,Title,URL", 'an IMDb export without a "Your Rating" column'),
    ("tconst\ttitleType\tprimaryTitle\toriginalTitle", "an IMDb dataset file"),
    ("TMDb ID,IMDb ID,Type,Name", 'a TMDb export without a "Your Rating" column'),
    ("Film Name, Year, Date Rated", "a Criticker export without a Score column"),
    ("SIMKL_ID,Title,Type,Year,Watchlist", "a Simkl file without a Rating column"),
    ("Date,Name,Year,Letterboxd URI,Tags", None),  # no "Rating": read as watched (see test_sources)
    ("Date Joined,Username,Given Name,Family Name", "a Letterboxd profile.csv"),
    ('[{"watched_at": "2020-01-01T00:00:00.000Z", "id": 8}]', "a Trakt history export (no ratings)"),
    ('{"data": [1, 2]}', "a JSON file that is no ratings export this version knows"),
    ("<!DOCTYPE html><html>", "a web page (HTML)"),
    ("Hello, world", "this does not look like a ratings export (it starts 'Hello, world')"),
])
def test_other_files_say_what_they_look_like(tmp_path: Path, first_line: str, looks_like: str | None) -> None:
    path = write(tmp_path, first_line + "\n1,2,3\n")
    if looks_like is None:
        assert read_ratings(path).format == "letterboxd_watched"
        return
    message = error(path)
    assert message.startswith("ratings.csv, line 1: ") and looks_like in message


@pytest.mark.parametrize("data", [b"PK\x03\x04garbage", b"not a zip at all"])
def test_damaged_zip(tmp_path: Path, data: bytes) -> None:
    assert error(write(tmp_path, data, "export.zip")).startswith("export.zip: is not a readable zip file")


def test_truncated_zip_member(tmp_path: Path) -> None:
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n" + "2020-01-01,A,2000,u,4\n" * 5000)
    cut = write(tmp_path, whole.read_bytes()[:400], "cut.zip")
    assert error(cut).startswith("cut.zip: is not a readable zip file")


# -- encodings, delimiters, line ends, ragged rows -------------------------------------------------------------------
def test_ascii_sample_then_cp1252_further_down(tmp_path: Path) -> None:
    rows = [ROW_2024] * 700 + ["tt0211915,8,2025-12-01,Amélie,,u,Movie,8.3,122,2001,,1,,"]
    path = write(tmp_path, "\n".join([HEADER_2024, *rows]).encode("cp1252"))
    assert path.stat().st_size > 64 * 1024
    result = read_ratings(path)
    assert result.rows[-1].title == "Amélie" and result.rows[-1].line == 702
    assert result.notes == ["ratings.csv is Windows-1252 text, not UTF-8; read it as such"]


def test_utf8_with_a_damaged_byte_is_still_utf8(tmp_path: Path) -> None:
    data = "\n".join([HEADER_2024, ROW_2024.replace("Shawshank", "Shawshänk")] * 1).encode("utf-8")
    data += b"\ntt0211915,8,2025-12-01,Am\xe9lie,,u,Movie,8.3,122,2001,,1,,"
    result = read_ratings(write(tmp_path, data))
    assert [r.title for r in result.rows] == ["The Shawshänk Redemption", "Am\ufffdlie"]


_RUSSIAN = ("Война и мир", "Брат", "Сталкер", "Ирония судьбы, или С лёгким паром!", "Москва слезам не верит")
_WESTERN = ("Noël à Città", "Amélie", "La vita è bella", "Señor Ñandú", "Das Boot")


@pytest.mark.parametrize(("encoding", "titles"), [("cp1251", _RUSSIAN), ("utf-16-le", _RUSSIAN),
                                                  ("utf-16-be", _RUSSIAN), ("cp1252", _WESTERN)])
def test_other_encodings(tmp_path: Path, encoding: str, titles: tuple[str, ...]) -> None:
    rows = [f'tt0{n:06d},8,2020-01-0{n % 9 + 1},"{t}",,u,Movie,7,90,2000,Drama,1,,' for n, t in enumerate(titles)]
    result = read_ratings(write(tmp_path, "\n".join([HEADER_2024, *rows]).encode(encoding)))
    assert [r.title for r in result.rows] == list(titles)


def test_header_names_are_matched_loosely_and_by_name_not_position(tmp_path: Path) -> None:
    data = ('  TITLE ,"your  rating",const,Title type,YEAR,Date rated\r'  # CR-only line ends, shuffled columns
            "Heat,9, tt0113277 ,movie,1995,2020-05-06\r"
            "Alien,7,tt0078748,TV Series,1979,\r")
    result = read_ratings(write(tmp_path, data))
    assert result.description == "IMDb ratings, 2017–2024 format"
    assert [(r.line, r.imdb_id, r.title, r.plex_rating, r.title_type, r.year, r.rated_at) for r in result.rows] == [
        (2, "tt0113277", "Heat", 9.0, "movie", 1995, date(2020, 5, 6)),
        (3, "tt0078748", "Alien", 7.0, "tv_series", 1979, None)]


def test_excel_sep_hint_and_ragged_rows(tmp_path: Path) -> None:
    data = "sep=;\n" + HEADER_2024.replace(",", ";") + "\ntt0111161;10;2024-01-02;Short row\n" \
        "tt0068646;9;2024-01-03;Long row;;u;Movie;9;175;1972;Crime;1;;Coppola;extra;more\n"
    result = read_ratings(write(tmp_path, data))
    assert [(r.line, r.title, r.year, r.title_type) for r in result.rows] == [
        (3, "Short row", None, "other"), (4, "Long row", 1972, "movie")]
    assert dict(result.rows[1].raw)["Directors"] == "Coppola" and len(result.rows[1].raw) == 14
    assert result.notes == [
        "1 row(s) have a title type this version does not know ('(empty)' ×1); they are kept and count as type "
        '"other"',
        "ratings.csv is semicolon-separated (re-saved by a spreadsheet?); read it as such",
        "1 row(s) have fewer fields than the header (first on line 3); the missing fields were read as empty",
        "1 row(s) have more fields than the header (first on line 4); the extra fields were ignored",
    ]


def test_original_title_is_none_when_empty(tmp_path: Path) -> None:
    rows = ["tt0111161,8,,,,u,Movie,1,1,1994,,1,,", "tt0068646,8,, Same ,Same,u,Movie,1,1,1994,,1,,",
            "tt0071562,8,,A, ,u,Movie,1,1,1994,,1,,"]
    result = read_ratings(write(tmp_path, "\n".join([HEADER_2024, *rows])))
    assert [(r.title, r.original_title) for r in result.rows] == [("", None), ("Same", "Same"), ("A", None)]


def test_values_with_spaces_and_ratings_as_decimals(tmp_path: Path) -> None:
    rows = ["  tt0111161 , 8 ,2024-01-02,A,,u,Movie,1,1,1994,,1,,", "tt0068646,08,,B,,u,Movie,1,1,1972.0,,1,,",
            "tt0071562,7.00,,C,,u,Movie,1,1,,,1,,", "tt0050083,9e0,,D,,u,Movie,1,1,,,1,,"]
    result = read_ratings(write(tmp_path, "\n".join([HEADER_2024, *rows])))
    assert [(r.imdb_id, r.plex_rating, r.year) for r in result.rows] == [
        ("tt0111161", 8.0, 1994), ("tt0068646", 8.0, 1972), ("tt0071562", 7.0, None)]
    assert [(p.line, p.reason) for p in result.problems] == [(5, "Your Rating '9e0' is not a number")]


def test_letterboxd_half_stars_spelled_differently(tmp_path: Path) -> None:
    data = "Date,Name,Year,Letterboxd URI,Rating\n1/2/2021,A,2000,u,\"4,5\"\n2021-01-03,B,2000,u,.5\n" \
           "2021-01-04,C,2000,u,0\n2021-01-05,D,2000,u,5.5\n"
    result = read_ratings(write(tmp_path, data))
    assert [(r.title, r.source_rating, r.plex_rating, r.rated_at) for r in result.rows] == [
        ("A", 4.5, 9.0, date(2021, 1, 2)), ("B", 0.5, 1.0, date(2021, 1, 3))]
    assert [p.line for p in result.problems] == [4, 5]


# -- dates and title types -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("2019-03-02", date(2019, 3, 2)), ("2019/3/2", date(2019, 3, 2)), ("1/22/2026", date(2026, 1, 22)),
    ("1/22/26", date(2026, 1, 22)), ("12/20/97", date(1997, 12, 20)), ("22/1/2026", date(2026, 1, 22)),
    ("1/22/2026 0:00", date(2026, 1, 22)), ("1/22/2026 12:30 PM", date(2026, 1, 22)), ("22.01.2026", date(2026, 1, 22)),
    ("Sun Jan 29 00:00:00 2017", date(2017, 1, 29)), ("Wed Sep  7 00:00:00 2016", date(2016, 9, 7)),
    ("Wed Sep 7 00:00:00 PDT 2016", date(2016, 9, 7)), ("2024-10-24T23:30:00Z", date(2024, 10, 24)),
    ("2024-10-24T23:30:00.123+02:00", date(2024, 10, 24)), ("2024-10-24 23:30:00", date(2024, 10, 24)),
    ("2007-08", None), ("1993", None), ("", None), ("  ", None), ("2/30/2024", None), ("13/13/2020", None),
    ("Foo Bar 29 00:00:00 2017", None), ("yesterday", None), ("2024-13-01", None),
])
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_partial_dates_and_years() -> None:
    assert parse_date("2007-08", partial=True) == date(2007, 8, 1)
    assert parse_date("1993", partial=True) == date(1993, 1, 1)
    assert [parse_year(t) for t in ("1994", " 1994 ", "1994.0", "", "94", "abcd", "2008–2013", "0000", "1874")] == [
        1994, 1994, 1994, None, None, None, None, None, 1874]


@pytest.mark.parametrize(("text", "expected"), [
    # pre-2017, camelCase, 2024 display names
    ("Feature Film", "movie"), ("TV Series", "tv_series"), ("Mini-Series", "tv_mini_series"), ("TV Movie", "tv_movie"),
    ("Documentary", "movie"), ("TV Episode", "tv_episode"), ("Video", "video"), ("Short Film", "short"),
    ("TV Short", "short"), ("TV Special", "tv_special"), ("tvMiniSeries", "tv_mini_series"), ("tvShort", "short"),
    ("videoGame", "other"), ("Movie", "movie"), ("TV Mini Series", "tv_mini_series"), ("Podcast Series", "other"),
    ("Podcast Episode", "other"), ("Music Video", "other"), ("Video Game", "other"),
    # Italian, German, French, Spanish, Portuguese (case and accents folded)
    ("Film", "movie"), ("Serie TV", "tv_series"), ("Mini serie TV", "tv_mini_series"), ("Film TV", "tv_movie"),
    ("Episodio TV", "tv_episode"), ("Cortometraggio", "short"), ("Fernsehserie", "tv_series"),
    ("Mini-Fernsehserie", "tv_mini_series"), ("Fernsehfilm", "tv_movie"), ("Folge", "tv_episode"),
    ("Kurzfilm", "short"), ("Série TV", "tv_series"), ("Mini-série TV", "tv_mini_series"), ("Téléfilm", "tv_movie"),
    ("Épisode", "tv_episode"), ("Court métrage", "short"), ("Película", "movie"), ("Serie de TV", "tv_series"),
    ("Miniserie de TV", "tv_mini_series"), ("Película para televisión", "tv_movie"),
    ("Episodio de TV", "tv_episode"), ("Cortometraje", "short"), ("Filme", "movie"), ("Série de TV", "tv_series"),
    ("Minissérie", "tv_mini_series"), ("Curta-metragem", "short"), ("PELICULA", "movie"),
    ("  tv   series ", "tv_series"),
    # Hindi, Japanese
    ("फ़िल्म", "movie"), ("टीवी सीरीज़", "tv_series"), ("टीवी एपिसोड", "tv_episode"), ("映画", "movie"),
    ("テレビシリーズ", "tv_series"), ("テレビミニシリーズ", "tv_mini_series"), ("テレビ映画", "tv_movie"),
    ("テレビエピソード", "tv_episode"), ("短編", "short"), ("ビデオゲーム", "other"),
])
def test_title_types(text: str, expected: str) -> None:
    assert classify(text) == (expected, True)


def test_unknown_title_types_are_other_and_flagged() -> None:
    assert classify("Hologram") == ("other", False) and classify("") == ("other", False)
    assert normalise_title_type("Hologram") == "other"
    assert {normalise_title_type(t) for t in ("movie", "Hologram", "tvSeries")} <= set(TITLE_TYPES)
