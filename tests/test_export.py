"""Ratings out and back (issue 15) against the emulator over real HTTP: export JSON → change and clear ratings →
restore → the state equals the state before, item for item (and the restore is undoable); export Letterboxd CSV →
import it → no change planned; the Letterboxd file splits under 1 MB; the IMDb-style CSV reads back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratings_to_plex.app import AppSession, Connection
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.errors import SourceError
from ratings_to_plex.export import LETTERBOXD_LIMIT, ExportedItem, export_ratings, read_backup, write_letterboxd
from ratings_to_plex.plex.client import PlexClient
from ratings_to_plex.restore import plan_restore, restore_sections
from ratings_to_plex.sources import read_ratings
from ratings_to_plex.sync import SyncOptions, choose_sections

runner = CliRunner()


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True)) as e:
        yield e


@pytest.fixture
def session(tmp_path: Path) -> Iterator[AppSession]:
    s = AppSession(journal_path=tmp_path / "journal.sqlite3", report_dir=tmp_path / "reports")
    yield s
    s.close()


def ratings(emu: Emulator) -> dict[int, float | None]:
    return {key: state.user_rating for key, state in emu.state().items()}


def everything(conn: Connection) -> list[object]:
    return choose_sections(conn.client, SyncOptions(all_libraries=True))  # type: ignore[return-value]


def test_json_backup_restore_round_trip_and_undo(emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    conn = session.connect_url(emu.url, emu.token)
    before = ratings(emu)
    rated = [key for key, value in before.items() if value is not None]
    result = export_ratings(conn.client, everything(conn), "json", tmp_path / "backup.json")  # type: ignore[arg-type]
    assert result.items == len(rated) > 5
    data = json.loads((tmp_path / "backup.json").read_text())
    assert data["format"] == "ratings_to_plex_backup" and data["server_id"] == emu.machine_identifier
    first = data["items"][0]
    assert {"library", "rating_key", "guids", "title", "year", "type", "user_rating", "last_rated_at",
            "view_count"} <= set(first)

    kinds = {item.rating_key: item.type for item in read_backup(tmp_path / "backup.json").items}
    unrated = next(key for key, value in before.items() if value is None and key not in kinds)
    conn.client.rate(rated[0], kinds[rated[0]], None)  # cleared since the backup
    conn.client.rate(rated[1], kinds[rated[1]], 1.0)  # changed since
    conn.client.rate(unrated, "movie", 7.0)  # rated since: the restore clears it
    changed = ratings(emu)
    assert changed != before

    backup = read_backup(tmp_path / "backup.json")
    plan = plan_restore(conn.client, backup, restore_sections(conn.client, backup))
    plan.identity = conn.identity
    assert sorted(c.item.rating_key for c in plan.writes) == sorted([rated[0], rated[1], unrated])
    summary = session.write(conn, plan)
    assert ratings(emu) == before  # item for item
    assert summary.counts["Updated"] == 3

    undo = session.plan_undo(conn, summary.run_id)
    session.write(conn, undo)
    assert ratings(emu) == changed  # the restore itself is undoable


def test_restore_onto_another_server_goes_by_guid(emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    conn = session.connect_url(emu.url, emu.token)
    export_ratings(conn.client, everything(conn), "json", tmp_path / "backup.json")  # type: ignore[arg-type]
    data = json.loads((tmp_path / "backup.json").read_text())
    data["server_id"] = "another-server"
    for item in data["items"]:
        item["rating_key"] += 100_000  # other keys there: only the GUIDs can find the items
    (tmp_path / "other.json").write_text(json.dumps(data))
    backup = read_backup(tmp_path / "other.json")
    plan = plan_restore(conn.client, backup, restore_sections(conn.client, backup))
    assert plan.writes == [] and plan.skipped == []  # every item found by GUID, all ratings already equal


def test_json_backup_read_as_a_source_plans_no_change(emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    conn = session.connect_url(emu.url, emu.token)
    result = export_ratings(conn.client, everything(conn), "json", tmp_path / "backup.json")  # type: ignore[arg-type]
    source = read_ratings(tmp_path / "backup.json")
    assert source.format == "ratings_to_plex_backup" and len(source.rows) == result.items and not source.problems
    plan = session.preview(conn, source, SyncOptions(all_libraries=True))
    assert plan.writes == []


def test_letterboxd_export_imports_back_with_no_change(emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    conn = session.connect_url(emu.url, emu.token)
    result = export_ratings(conn.client, everything(conn), "letterboxd", tmp_path / "letterboxd.csv")  # type: ignore[arg-type]
    assert result.paths == [tmp_path / "letterboxd.csv"] and result.items > 3
    source = read_ratings(tmp_path / "letterboxd.csv")
    assert source.format == "letterboxd_import" and len(source.rows) == result.items and not source.problems
    plan = session.preview(conn, source, SyncOptions(all_libraries=True))
    assert plan.writes == []


def test_imdb_export_reads_back(emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    conn = session.connect_url(emu.url, emu.token)
    result = export_ratings(conn.client, everything(conn), "imdb", tmp_path / "imdb.csv")  # type: ignore[arg-type]
    source = read_ratings(tmp_path / "imdb.csv")
    assert source.format == "imdb_ratings" and len(source.rows) == result.items > 3 and not source.problems
    assert session.preview(conn, source, SyncOptions(all_libraries=True)).writes == []


def test_letterboxd_files_stay_under_1_mb(tmp_path: Path) -> None:
    films = [ExportedItem(library="Movies", section_id=1, rating_key=n, type="movie", title=f"Film number {n} " * 3,
                          year=2000, guids=(f"imdb://tt{n:07d}", f"tmdb://{n}"), user_rating=float(n % 10 + 1),
                          last_rated_at=None, view_count=0) for n in range(1, 30_001)]
    result = write_letterboxd(films, tmp_path / "out.csv")
    assert len(result.paths) > 1 and result.paths[0].name == "out_1.csv"
    assert all(p.stat().st_size < LETTERBOXD_LIMIT for p in result.paths)
    read = [row for p in result.paths for row in read_ratings(p).rows]
    assert [(r.imdb_id, r.tmdb_id, r.plex_rating) for r in read] == [
        (f"tt{n:07d}", str(n), float(n % 10 + 1)) for n in range(1, 30_001)]


def test_read_backup_refuses_other_files(tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"movies": []}')
    with pytest.raises(SourceError, match="is not a ratings-to-plex backup"):
        read_backup(other)
    other.write_text('{"format": "ratings_to_plex_backup", "items": [{"user_rating": 11}]}')
    with pytest.raises(SourceError, match="a backup entry is damaged"):
        read_backup(other)


def test_cli_export_and_restore_dry_run(emu: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "backup.json"
    result = runner.invoke(app, ["export", "--url", emu.url, "--token", emu.token, "--all-libraries", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Exported ") and str(out) in result.stdout
    before = ratings(emu)
    restored = runner.invoke(app, ["restore", str(out), "--url", emu.url, "--token", emu.token, "--dry-run"])
    assert restored.exit_code == 0, restored.output
    assert "0 rating(s) to set and 0 to clear" in restored.stdout and ratings(emu) == before


def test_cli_restore_writes_and_undo_last_reverts_it(emu: Emulator, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATINGS_TO_PLEX_REPORT_DIR", str(tmp_path / "reports"))
    out = tmp_path / "backup.json"
    common = ["--url", emu.url, "--token", emu.token]
    assert runner.invoke(app, ["export", *common, "--all-libraries", "-o", str(out)]).exit_code == 0
    before = ratings(emu)
    key = next(k for k, v in before.items() if v is not None)
    PlexClient.connect(emu.url, emu.token).rate(key, "movie", 2.0)
    changed = ratings(emu)
    refused = runner.invoke(app, ["restore", str(out), *common])  # no terminal, no --yes
    assert refused.exit_code == 2 and ratings(emu) == changed
    restored = runner.invoke(app, ["restore", str(out), *common, "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "1 rating(s) to set and 0 to clear" in restored.stdout and ratings(emu) == before
    undone = runner.invoke(app, ["undo", "--last", *common, "--yes"])
    assert undone.exit_code == 0, undone.output
    assert ratings(emu) == changed


def test_an_interrupted_restore_is_finished_with_resume(emu: Emulator, tmp_path: Path) -> None:
    """A restore stopped midway (Ctrl-C, a lost connection) is finished by `restore BACKUP --resume` under its own
    run id: what landed is recognised, the rest is written, and the state equals the backup's, item for item."""
    import threading

    from ratings_to_plex.app import Event, ProgressUpdate
    from ratings_to_plex.journal import JournalDB

    out = tmp_path / "backup.json"
    common = ["--url", emu.url, "--token", emu.token]
    assert runner.invoke(app, ["export", *common, "--all-libraries", "-o", str(out)]).exit_code == 0
    before = ratings(emu)
    client = PlexClient.connect(emu.url, emu.token)
    changed = [key for key, value in before.items() if value is not None][:30]
    for key in changed:
        client.rate(key, emu.library.items[key].type, 1.0 if before[key] != 1.0 else 2.0)
    assert runner.invoke(app, ["restore", str(out), *common, "--resume", "--yes"]).exit_code == 2  # none yet

    session = AppSession.default(report_dir=tmp_path / "reports", workers=2)
    conn = session.connect_url(emu.url, emu.token)
    plan = session.plan_restore(conn, session.read_backup(out))
    assert len(plan.writes) == len(changed)
    cancel = threading.Event()

    def stop_early(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= 3:
            cancel.set()

    emu.faults.latency_ms = 30  # slow enough that the cancel comes before the last write
    summary = session.write(conn, plan, cancel=cancel, on_event=stop_early)
    emu.faults.latency_ms = 0
    session.close()
    assert summary.status == "cancelled" and ratings(emu) != before

    finished = runner.invoke(app, ["restore", str(out), *common, "--resume", "--yes"])
    assert finished.exit_code == 0, finished.output
    assert f"Run {summary.run_id} of backup.json" in finished.stdout and f"Run id: {summary.run_id}" in finished.stdout
    assert ratings(emu) == before
    journal = JournalDB()
    run = journal.run(summary.run_id)
    runs = journal.runs()
    journal.close()
    assert run.status == "done" and run.kind == "restore" and runs[0].id == summary.run_id  # no new run
    again = runner.invoke(app, ["restore", str(out), *common, "--resume", "--yes"])
    assert again.exit_code == 2 and "No unfinished run of backup.json" in again.output
