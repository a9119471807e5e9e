"""Every run keeps its reports (issue 11/13 follow-up): the journal records the unmatched CSV and run log paths, so
History — `history --json`, and `app` for the desktop app and web UI — offers them for every run, not only for the
last one made in the same process. The run log also records the source's notes and counts every row."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from ratings_to_plex.app import AppSession, SyncOptions
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator

from .test_journal_helpers import csv_from_library

runner = CliRunner()


def with_unknown_rows(path: Path, count: int) -> None:
    """Append rows no Plex item matches (so the run has an unmatched CSV) and rows whose id lost its `tt`."""
    lines = [f"tt99{n:05d},7,2023-01-01,Nowhere {n},Nowhere {n},,Movie,7,90,1999,Drama,1,1999-01-01,X"
             for n in range(count)]
    lines.append("0111161,9,2023-01-14,Lost tt,Lost tt,,Movie,9.3,142,1994,Drama,2900000,1994-09-23,Y")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def test_history_offers_each_runs_own_reports(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = emulator(movies=50, shows=0, seed=8)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    csv_from_library(emu, first, 5, seed=1)
    with_unknown_rows(first, 3)
    csv_from_library(emu, second, 4, seed=2)
    session = AppSession(journal_path=tmp_path / "data" / "journal.sqlite3", report_dir=tmp_path / "reports")
    try:
        conn = session.connect_url(emu.url, emu.token)
        runs = {}
        for file, dry in ((first, False), (second, True), (second, False)):
            plan = session.preview(conn, session.read([file])[0], SyncOptions(all_libraries=True))
            summary = session.write(conn, plan, dry_run=dry)
            runs[summary.run_id] = summary
    finally:
        session.close()
    # A new session (as after a restart) still finds every run's own reports.
    later = AppSession(journal_path=tmp_path / "data" / "journal.sqlite3", report_dir=tmp_path / "reports")
    try:
        history = {r.id: r for r in later.history(include_dry_runs=True)}
    finally:
        later.close()
    assert set(history) == set(runs)
    for run_id, summary in runs.items():
        run = history[run_id]
        assert run.run_log == str(summary.run_log) and Path(run.run_log).is_file()
        assert run.unmatched_csv == (str(summary.unmatched_csv) if summary.unmatched_csv else None)
    first_run = min(runs)
    csv = history[first_run].unmatched_csv
    assert csv is not None and "Nowhere 0" in Path(csv).read_text(encoding="utf-8-sig")
    assert len({r.run_log for r in history.values()}) == 3  # each its own log
    log_path = str(history[first_run].run_log)
    log = Path(log_path).read_text(encoding="utf-8")
    source = later.read([first])[0]
    assert source.notes and all(note in log for note in source.notes)  # e.g. the id that lost its `tt`
    assert later.reports(history[first_run]) == {"unmatched_csv": Path(csv), "run_log": Path(log_path)}
    Path(csv).unlink()  # a report deleted since is not offered
    assert later.reports(history[first_run]) == {"run_log": Path(log_path)}
    assert f"{len(source.rows) + sum(source.problem_counts().values())} rows" in log


def test_history_json_lists_the_reports_of_every_run(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = emulator(movies=40, shows=0, seed=9)
    file = tmp_path / "ratings.csv"
    csv_from_library(emu, file, 3, seed=4)
    with_unknown_rows(file, 2)
    for _ in range(2):
        result = runner.invoke(app, ["sync", str(file), "--url", emu.url, "--token", emu.token, "--all-libraries",
                                     "--yes", "--force", "--json"])
        assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["history", "--json"])
    assert result.exit_code == 0, result.stderr
    runs = json.loads(result.stdout)
    runs = runs["runs"] if isinstance(runs, dict) else runs
    assert len(runs) == 2
    for run in runs:
        reports = run["reports"]
        assert Path(reports["run_log"]).is_file() and Path(reports["unmatched_csv"]).is_file()
    assert runs[0]["reports"] != runs[1]["reports"]
