"""Issue 13: a manual format override for when detection guesses wrong — `read_ratings(path, format=…)`, the app
session's `read(format=…)` and `sync --format` / `RATINGS_TO_PLEX_FORMAT` (real HTTP to the emulator)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.app import SOURCE_FORMATS, AppSession
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.errors import SourceError
from ratings_to_plex.sources import FORMATS, read_ratings

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
# A header both the IMDb reader and the Letterboxd import reader accept: detection takes IMDb's (it comes first).
BOTH = ("Const,Your Rating,Title,Year,imdbID,Rating\n"
        "tt0111161,9,The Shawshank Redemption,1994,tt0111161,2.5\n")
runner = CliRunner()


@pytest.fixture
def both(tmp_path: Path) -> Path:
    path = tmp_path / "mine.csv"
    path.write_text(BOTH, encoding="utf-8")
    return path


def test_override_reads_with_the_chosen_reader_where_detection_takes_another(both: Path) -> None:
    detected = read_ratings(both)
    assert detected.format == "imdb_ratings" and detected.rows[0].plex_rating == 9.0
    forced = read_ratings(both, format="letterboxd_import")
    assert forced.format == "letterboxd_import"
    assert forced.rows[0].source == "letterboxd" and forced.rows[0].plex_rating == 5.0  # 2.5 stars, not 9/10


def test_a_file_that_does_not_fit_the_chosen_format_is_refused_in_one_line() -> None:
    with pytest.raises(SourceError) as caught:
        read_ratings(FIXTURES / "imdb_2024.csv", format="letterboxd_diary")
    message = str(caught.value)
    assert message.startswith("imdb_2024.csv, line 1: does not fit the chosen format, Letterboxd diary")
    assert "\n" not in message
    with pytest.raises(SourceError, match=r"letterboxd_ratings.csv, line 1: .*Letterboxd watched films \(it looks "
                                          r"like .*Letterboxd"):
        read_ratings(FIXTURES / "letterboxd_ratings.csv", format="letterboxd_watched")
    with pytest.raises(SourceError, match=r"simkl_backup\.json, line 1: does not fit the chosen format, Criticker"):
        read_ratings(FIXTURES / "simkl_backup.json", format="criticker_ratings")


def test_a_zip_another_reader_claims_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "trakt.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for member in sorted((FIXTURES / "trakt").glob("ratings-*.json")):
            zf.write(member, member.name)
    assert read_ratings(archive).format == "trakt_ratings"
    with pytest.raises(SourceError, match=r"trakt.zip, line 1: does not fit the chosen format, Letterboxd ratings"):
        read_ratings(archive, format="letterboxd_ratings")


def test_unknown_format_name_is_refused_with_the_names(both: Path) -> None:
    with pytest.raises(SourceError, match="unknown format 'csv'; one of: imdb_ratings, "):
        read_ratings(both, format="csv")


def test_every_fixture_reads_as_its_own_format_when_forced() -> None:
    for path, name in ((FIXTURES / "letterboxd_diary.csv", "letterboxd_diary"),
                       (FIXTURES / "criticker_ratings.xml", "criticker_ratings"),
                       (FIXTURES / "tmdb_ratings.csv", "tmdb_ratings")):
        assert read_ratings(path, format=name).format == name


def test_session_read_takes_the_override_and_the_menu_lists_every_format(both: Path, tmp_path: Path) -> None:
    assert [name for name, _ in SOURCE_FORMATS] == list(FORMATS)
    assert dict(SOURCE_FORMATS)["letterboxd_import"] == "Letterboxd import CSV"
    session = AppSession(journal_path=tmp_path / "journal.db", report_dir=tmp_path)
    try:
        assert [s.format for s in session.read([both], format="letterboxd_import")] == ["letterboxd_import"]
        with pytest.raises(SourceError, match="does not fit the chosen format, TMDb ratings"):
            session.read([both], format="tmdb_ratings")
    finally:
        session.close()


def test_cli_format_option_and_environment(emulator: Callable[..., Emulator], both: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    emu = emulator(demo=True)
    base = ["sync", str(both), "--url", emu.url, "--token", emu.token, "--library", "Movies", "--dry-run"]
    plain = runner.invoke(app, base)
    assert plain.exit_code == 0, plain.stderr
    assert "Detected: IMDb" in plain.stdout
    forced = runner.invoke(app, [*base, "--format", "letterboxd_import"])
    assert forced.exit_code == 0, forced.stderr
    assert "Detected: Letterboxd import CSV" in forced.stdout
    monkeypatch.setenv("RATINGS_TO_PLEX_FORMAT", "letterboxd_import")
    from_env = runner.invoke(app, base)
    assert from_env.exit_code == 0 and "Detected: Letterboxd import CSV" in from_env.stdout
    monkeypatch.setenv("RATINGS_TO_PLEX_FORMAT", "tmdb_ratings")
    refused = runner.invoke(app, base)
    assert refused.exit_code != 0
    assert "mine.csv, line 1: does not fit the chosen format, TMDb ratings" in refused.stderr
    monkeypatch.delenv("RATINGS_TO_PLEX_FORMAT")
    unknown = runner.invoke(app, [*base, "--format", "csv"])
    assert unknown.exit_code == 2 and "use one of imdb_ratings" in unknown.stderr


def test_cli_help_lists_the_format_names() -> None:
    result = runner.invoke(app, ["sync", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--format" in result.stdout and "RATINGS_TO_PLEX_FORMAT" in result.stdout
    for name in FORMATS:
        assert name in result.stdout
