"""Issue 13, as a new user meets the CLI: every message, count and log line right (runs, resume, history, undo,
conflicting options, --json errors). Real HTTP to the emulator throughout; the terminal-only points (the prompt,
the progress bar) are in test_ux_pty.py, the connection points in test_ux_connect.py."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ratings_to_plex.app import AppSession, Event, ProgressUpdate, RunStatus, SyncOptions
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.errors import PlexConnectionError

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"
runner = CliRunner()


@pytest.fixture
def emu(emulator: Callable[..., Emulator]) -> Emulator:
    return emulator(demo=True)


def sync(emu: Emulator, *args: str, files: tuple[Path, ...] = (IMDB,)) -> Any:
    return runner.invoke(app, ["sync", *map(str, files), "--url", emu.url, "--token", emu.token, *args])


def reports(isolated_dirs: Path, pattern: str) -> list[Path]:
    return sorted((isolated_dirs / "report").glob(pattern))


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# -- what a run says -------------------------------------------------------------------------------------------
def test_dry_run_breakdown_says_what_would_be_written(emu: Emulator) -> None:
    result = sync(emu, "--library", "Movies", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "  Would update: 38" in result.stdout and "  Would mark watched: 0" in result.stdout
    assert "  Updated:" not in result.stdout and "  Marked watched:" not in result.stdout
    as_json = json.loads(sync(emu, "--library", "Movies", "--dry-run", "--json").stdout)
    assert as_json["counts"]["updated"] == 38  # the script-facing keys are INTERFACES.md's, dry run or not


def test_real_run_keeps_the_interface_labels(emu: Emulator) -> None:
    result = sync(emu, "--library", "Movies", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "  Updated: 38" in result.stdout and "Would update" not in result.stdout


def test_log_covers_every_decision_on_the_console_and_in_the_run_log(emu: Emulator, isolated_dirs: Path) -> None:
    result = sync(emu, "--library", "Movies", "--yes")
    assert result.exit_code == 0, result.stderr
    (log,) = reports(isolated_dirs, "RatingsUpdateLog_*.log")
    text = log.read_text(encoding="utf-8")
    for where in (result.stdout, text):
        assert where.count("Not found in Plex: \"") == 11  # one line per row not found, naming it
        assert "Missing IMDb ID: line " in where and where.count("Invalid rating value: line ") == 2
    assert "Detected: IMDb ratings" in text and "(sample_imdb_ratings.csv)" in text  # detection, in the log
    assert "Plan: 38 rating(s) to write" in text  # the plan summary the user was shown before confirming


def test_type_mismatch_gets_a_line(emu: Emulator, tmp_path: Path) -> None:
    export = tmp_path / "ratings.csv"  # Breaking Bad's IMDb id is a show in Plex; the row says it is a movie
    export.write_text("Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,"
                      "Num Votes,Release Date,Directors\n"
                      "tt0903747,8,2024-01-01,Breaking Bad,,Movie,9,49,2008,Drama,1,2008-01-20,\n", encoding="utf-8")
    result = sync(emu, "--all-libraries", "--dry-run", files=(export,))
    assert result.exit_code == 0, result.stderr
    assert 'Type mismatch: "Breaking Bad (2008)" (line 2): movie row, but imdb id tt0903747 is a show' in result.stdout


def test_copies_name_their_library_and_ambiguous_names_every_candidate(emu: Emulator, tmp_path: Path) -> None:
    export = tmp_path / "ratings.csv"  # Letterboxd: Dune (2021) is in Movies and Movies 4K; "Solaris" has no year
    export.write_text("Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Dune,2021,https://boxd.it/a,4\n"
                      "2024-01-02,Solaris,,https://boxd.it/b,3.5\n", encoding="utf-8")
    result = sync(emu, "--all-libraries", "--dry-run", files=(export,))
    assert result.exit_code == 0, result.stderr
    assert 'Would update Plex rating for "Dune (2021)" in Movies to 8' in result.stdout
    assert 'Would update Plex rating for "Dune (2021)" in Movies 4K to 8' in result.stdout
    ambiguous = next(line for line in result.stdout.splitlines() if line.startswith("Ambiguous:"))
    assert "Solaris (1972)" in ambiguous and "Solaris (2002)" in ambiguous


def test_two_runs_in_the_same_second_never_share_a_log(emu: Emulator, isolated_dirs: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ratings_to_plex.executor.stamp", lambda: "20260101_120000")
    for _ in range(2):
        assert sync(emu, "--library", "Movies", "--dry-run").exit_code == 0
    logs = reports(isolated_dirs, "RatingsUpdateLog_20260101_120000*.log")
    assert [p.name for p in logs] == ["RatingsUpdateLog_20260101_120000.log", "RatingsUpdateLog_20260101_120000_2.log"]
    assert all(p.read_text(encoding="utf-8").count("Run ") >= 1 for p in logs)
    assert len(reports(isolated_dirs, "Unmatched_*_20260101_120000*.csv")) == 2  # each run its own CSV


# -- several files, --json, conflicting options ------------------------------------------------------------------
def test_every_file_is_checked_before_the_first_is_written(emu: Emulator, tmp_path: Path) -> None:
    bad = tmp_path / "notes.csv"
    bad.write_text("Shopping,Qty\nmilk,2\n", encoding="utf-8")
    before = emu.state()
    result = sync(emu, "--library", "Movies", "--yes", "--json", files=(IMDB, bad))
    assert result.exit_code == 2
    assert emu.state() == before  # the good first file was not imported before the bad second one was found
    payload = json.loads(result.stdout)
    assert payload["run_ids"] == [] and "notes.csv" in payload["error"] and payload["exit_code"] == 2


def test_json_error_names_the_runs_already_written(emu: Emulator, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    second = tmp_path / "again.csv"
    second.write_bytes(IMDB.read_bytes())
    real_preview = AppSession.preview
    calls = []

    def preview(self: AppSession, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise PlexConnectionError("Cannot reach Plex at the test server: check the URL.")
        return real_preview(self, *args, **kwargs)

    monkeypatch.setattr(AppSession, "preview", preview)
    result = sync(emu, "--library", "Movies", "--yes", "--json", files=(IMDB, second))
    assert result.exit_code == 3
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1  # exactly one JSON object
    payload = json.loads(lines[0])
    assert payload == {"error": "Cannot reach Plex at the test server: check the URL.", "exit_code": 3,
                       "run_ids": [1]}


def test_json_on_a_usage_error_and_a_bad_token(emu: Emulator) -> None:
    bad_token = runner.invoke(app, ["sync", str(IMDB), "--url", emu.url, "--token", "wrong-1234", "--json"])
    assert bad_token.exit_code == 3 and json.loads(bad_token.stdout)["exit_code"] == 3
    assert "wrong-1234" not in bad_token.stdout
    usage = runner.invoke(app, ["undo", "--json"])
    assert usage.exit_code == 2 and "RUN_ID" in json.loads(usage.stdout)["error"]


@pytest.mark.parametrize("args", [["--library", "Movies", "--all-libraries"], ["--server", "Other"]])
def test_conflicting_options_are_refused(emu: Emulator, args: list[str]) -> None:
    result = sync(emu, *args, "--dry-run")
    assert result.exit_code == 2
    assert "pass one of them" in result.stderr or "pass only one of them" in result.stderr
    assert "Run id" not in result.stdout


# -- failed writes, history, undo ------------------------------------------------------------------------------
def test_failed_writes_say_how_to_retry(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = AppSession.write

    def write(self: AppSession, conn: Any, plan: Any, **kwargs: Any) -> Any:
        gone = plan.writes[0].item  # removed from the server between the preview and the write
        with emu.library.lock:
            del emu.library.items[gone.rating_key]
            emu.library.sections[gone.section_id].keys_by_type["movie"].remove(gone.rating_key)
        return real_write(self, conn, plan, **kwargs)

    monkeypatch.setattr(AppSession, "write", write)
    result = sync(emu, "--library", "Movies", "--yes")
    assert result.exit_code == 1
    assert "  Rate failed errors: 1" in result.stdout
    assert "1 write(s) failed" in result.stdout and "run the same command again" in result.stdout
    monkeypatch.setattr(AppSession, "write", real_write)
    again = sync(emu, "--library", "Movies", "--yes")  # the advice holds: only what still differs is written
    assert again.exit_code == 0 and "  Updated: 0" in again.stdout and "  Skipped unchanged: 42" in again.stdout


def test_history_fits_80_columns_and_hides_dry_runs(emu: Emulator) -> None:
    assert sync(emu, "--library", "Movies", "--dry-run").exit_code == 0
    only_dry = runner.invoke(app, ["history"])
    assert "No runs that wrote anything yet (1 dry run(s): add --all to list them)." in only_dry.stdout
    assert sync(emu, "--library", "Movies", "--yes").exit_code == 0
    shown = runner.invoke(app, ["history"], env={"COLUMNS": "80"})
    assert shown.exit_code == 0
    lines = shown.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    rows = [line for line in lines if line.strip()[:1].isdigit()]
    assert len(rows) == 1 and "dry run" not in shown.stdout.split("\n(")[0]  # one line per run, dry run hidden
    assert "1 dry run(s) not shown: add --all" in shown.stdout
    every = runner.invoke(app, ["history", "--all"], env={"COLUMNS": "80"})
    assert sum(1 for line in every.stdout.splitlines() if line.strip()[:1].isdigit()) == 2
    assert all(len(line) <= 80 for line in every.stdout.splitlines())


def test_undo_without_an_argument_says_what_to_pass() -> None:
    result = runner.invoke(app, ["undo"])
    assert result.exit_code == 2
    assert "ratings-to-plex undo RUN_ID" in result.stderr and "undo --last" in result.stderr


# -- resume: counts true in every path ---------------------------------------------------------------------------
def _cancelled_run(emu: Emulator, at: int) -> int:
    """A real sync of the sample into Movies, cancelled once `at` writes are done (one worker, so in order)."""
    session = AppSession.default(workers=1)
    conn = session.connect_url(emu.url, emu.token)
    (source,) = session.read([IMDB])
    options = SyncOptions(libraries=("Movies",))
    plan = session.preview(conn, source, options)
    cancel = __import__("threading").Event()

    def on_event(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= at:
            cancel.set()

    summary = session.write(conn, plan, cancel=cancel, on_event=on_event)
    assert summary.status == RunStatus.CANCELLED
    session.close()
    return summary.run_id


def test_resume_after_a_cancel_counts_what_was_written(emu: Emulator, isolated_dirs: Path) -> None:
    run_id = _cancelled_run(emu, at=7)
    session = AppSession.default()
    run = session.run(run_id)
    written = run.applied
    assert written >= 7
    (interrupted_csv,) = reports(isolated_dirs, "Unmatched_*.csv")
    assert sum(r["Reason"].startswith("Not attempted") for r in csv_rows(interrupted_csv)) == 38 - written
    result = sync(emu, "--resume", "--yes")
    assert result.exit_code == 0, result.stderr
    assert f"{written} change(s) already written before the interruption, {38 - written} to write" in result.stdout
    resumed = [p for p in reports(isolated_dirs, "Unmatched_*.csv") if p != interrupted_csv]
    assert len(resumed) == 1 and f"Rows still unmatched written to {resumed[0]}" in result.stdout
    rows = csv_rows(resumed[0])
    assert len(rows) == 14 and not any(r["Reason"].startswith("Not attempted") for r in rows)
    assert json.loads(runner.invoke(app, ["history", "--json"]).stdout)["runs"][0]["status"] == "done"


def test_a_cancel_after_the_last_write_is_a_finished_run(emu: Emulator) -> None:
    session = AppSession.default(workers=1)
    conn = session.connect_url(emu.url, emu.token)
    (source,) = session.read([IMDB])
    plan = session.preview(conn, source, SyncOptions(libraries=("Movies",)))
    cancel = __import__("threading").Event()
    lines: list[str] = []

    def on_event(event: Event) -> None:
        lines.append(getattr(event, "text", ""))
        if isinstance(event, ProgressUpdate) and event.done == event.total:
            cancel.set()  # Ctrl-C pressed just as the last write came back

    summary = session.write(conn, plan, cancel=cancel, on_event=on_event)
    assert summary.status == RunStatus.DONE and summary.counts["Not attempted"] == 0
    assert summary.counts["Updated"] == 38 and not any("Cancelled" in line for line in lines)


def test_a_cancel_is_recorded_in_the_run_log(emu: Emulator, isolated_dirs: Path) -> None:
    _cancelled_run(emu, at=3)
    (log,) = reports(isolated_dirs, "RatingsUpdateLog_*.log")
    assert "WARNING Cancelled: " in log.read_text(encoding="utf-8")
    assert "not attempted; the run can be resumed" in log.read_text(encoding="utf-8")


def test_ambiguous_by_id_names_every_candidate() -> None:
    import dataclasses

    from ratings_to_plex.match import AMBIGUOUS, match_row

    from .engine_helpers import index, item, row

    film, show = item("Dune", 2021, guids=("tmdb://438631",)), item("Dune: Prophecy", 2024, kind="show",
                                                                   guids=("tmdb://438631",))
    m = match_row(dataclasses.replace(row("Dune", 2021, kind="other"), tmdb_id="438631"), index(film, show))
    assert m.status == AMBIGUOUS
    assert "Dune (2021) (movie)" in m.reason and "Dune: Prophecy (2024) (show)" in m.reason
