"""The window's logic without a window: the run request, remembered settings, preview rows and the controller's
worker/queue protocol (driven with a scripted engine, no display needed)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex.app import AppSession, ProgressUpdate, SyncOptions
from ratings_to_plex.app.rows import NOT_FOUND, SAME, UPDATE, counts, plan_rows
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.errors import PlexConnectionError, SourceError
from ratings_to_plex.gui import controller as c
from ratings_to_plex.gui import events as ev
from ratings_to_plex.gui.engine import Engine
from ratings_to_plex.gui.state import ALL_TYPES, Remembered, RunRequest, scale_factor, types_for
from ratings_to_plex.match import AMBIGUOUS, Match, match_rows
from ratings_to_plex.plan import PlanOptions, build_plan
from ratings_to_plex.sources.model import Problem, ReadResult

from .engine_helpers import index, item, row
from .test_journal_helpers import csv_from_library, user_state

pytestmark = pytest.mark.gui


def drain_until(ctl: c.Controller, predicate: Any, timeout: float = 30.0) -> list[Any]:
    """Collect events until one satisfies `predicate` and no job is busy."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += ctl.drain()
        if any(predicate(e) for e in seen) and not ctl.busy:
            return seen + ctl.drain()
        time.sleep(0.01)
    raise AssertionError(f"timed out; events so far: {seen}")


# -- state ------------------------------------------------------------------------------------------------
def test_types_none_when_every_box_is_ticked() -> None:
    assert types_for({}) is None
    only_movies = types_for({"TV Series": False, "TV Mini Series": False, "TV Movie": False, "TV Episode": False,
                             "Other": False})
    assert only_movies == frozenset({"movie"})
    assert types_for({"Other": False}) == ALL_TYPES - {"short", "video", "tv_special", "other"}


def test_run_request_problems_and_options(tmp_path: Path) -> None:
    full = RunRequest(tmp_path / "r.csv", "Home", ("Movies",), policy="only-empty", force=True, dry_run=True)
    assert full.problem() is None
    options = full.options()
    assert options.libraries == ("Movies",) and not options.all_libraries and options.dry_run
    assert options.plan == PlanOptions(force=True, policy="only-empty")
    assert "Login tab" in (RunRequest(tmp_path, None).problem() or "")
    assert "library" in (RunRequest(tmp_path, "Home").problem() or "")
    assert RunRequest(tmp_path, "Home", all_libraries=True).problem() is None
    assert "Source tab" in (RunRequest(None, "Home", ("Movies",)).problem() or "")
    assert "Filters tab" in (RunRequest(tmp_path, "Home", ("M",), types=frozenset()).problem() or "")
    everything = RunRequest(tmp_path, "Home", ("Movies",), all_libraries=True).options()
    assert everything.all_libraries and everything.libraries == ()
    # a dry run plans exactly like a real run
    assert full.plan_key() == RunRequest(tmp_path / "r.csv", "Home", ("Movies",), policy="only-empty",
                                         force=True).plan_key()


def test_remembered_round_trip_and_bad_values() -> None:
    r = Remembered(server="Home", libraries=("Films", "Films 4K"), all_libraries=True, policy="newer", force=True,
                   theme="Dark", scale="150%", last_folder="/x")
    r.types["Other"] = False
    config = r.to_config()
    assert "token" not in str(config).lower()
    back = Remembered.from_config(config)
    assert back == r
    odd = Remembered.from_config({"server": 3, "libraries": "Movies", "gui": {"policy": "always", "theme": "Pink",
                                                                            "types": "movie"}})
    assert odd == Remembered()
    assert scale_factor("150%") == 1.5 and scale_factor("oops") == 1.0


# -- preview rows -----------------------------------------------------------------------------------------
def test_plan_rows_cover_every_row_once() -> None:
    rated = item("Heat", 1995, rating=8.0, section=1)
    new = item("Alien", 1979, section=1, guids=("imdb://tt0078748",))
    copy = item("Alien", 1979, section=2, guids=("imdb://tt0078748",))
    dune_a, dune_b = item("Dune", 2021), item("Dune", 2021)
    rows = [row("Heat", 1995, rating=8), row("Alien", 1979, rating=9, line=3, imdb="tt0078748"),
            row("Nope", 1990, line=4), row("Dune", 2021, line=5)]
    matches = match_rows(rows, index(rated, new, copy, dune_a, dune_b))
    source = ReadResult("imdb_ratings", rows, [Problem(9, "Missing IMDb ID", "Const is empty", {"Title": "X"})],
                        Path("r.csv"))
    plan = build_plan(source, matches, PlanOptions())
    table = plan_rows(plan, {1: "Movies", 2: "Movies 4K"})
    n = counts(table)
    assert n[UPDATE] == len(plan.writes) == 2  # Alien in both libraries
    assert n[SAME] == 1 and n[NOT_FOUND] == 1 and n[AMBIGUOUS] == 1 and n["problem"] == 1
    assert n[None] == len(table) == 6
    alien = [r for r in table if r.title == "Alien"]
    assert {r.reason for r in alien} == {"rate · Movies", "rate · Movies 4K"}
    assert alien[0].values()[2:4] == ("—", "9 (4.5★)")
    heat = next(r for r in table if r.title == "Heat")
    assert heat.current == heat.new == "8 (4.0★)" and heat.reason.startswith("same rating")
    assert next(r for r in table if r.category == "problem").reason.startswith("Missing IMDb ID")
    assert all(isinstance(m, Match) for m in plan.matches)


# -- controller protocol ----------------------------------------------------------------------------------
class ScriptedEngine(Engine):
    """Fails or succeeds on demand; never touches the network."""

    def __init__(self) -> None:
        super().__init__()
        self.config: dict[str, Any] = {"server": "Home", "gui": {"theme": "Dark"}}
        self.saved: list[dict[str, Any]] = []

    def load_config(self) -> dict[str, Any]:
        self._note("load_config")
        return dict(self.config)

    def save_config(self, updates: dict[str, Any]) -> None:
        self._note("save_config")
        self.saved.append(updates)

    def load_token(self) -> str | None:
        self._note("load_token")
        return None

    def read_ratings(self, path: Path) -> ReadResult:
        self._note("read_ratings")
        if path.name == "bad.csv":
            raise SourceError("bad.csv is not an IMDb or Letterboxd export: line 1 has columns a, b.")
        if path.name == "bug.csv":
            raise KeyError("boom")
        rows = [row("Heat", 1995)]
        return ReadResult("imdb_ratings", rows, [Problem(3, "Invalid rating value", "x", {})], path,
                          description="IMDb ratings, 2024 format")

    def connect_url(self, url: str, token: str) -> Any:
        self._note("connect_url")
        raise PlexConnectionError(f"Cannot reach Plex at {url}: check the URL and that the server is running.")


def test_source_events_and_plain_errors(tmp_path: Path) -> None:
    engine = ScriptedEngine()
    ctl = c.Controller(engine)
    ctl.start(use_stored_token=True)
    events = drain_until(ctl, lambda e: isinstance(e, c.SettingsLoaded))
    assert next(e for e in events if isinstance(e, c.SettingsLoaded)).config["server"] == "Home"
    assert not any(isinstance(e, c.SignedIn) for e in events)  # no stored token

    assert ctl.load_source(tmp_path / "ratings.csv")
    events = drain_until(ctl, lambda e: isinstance(e, c.SourceLoaded))
    loaded = next(e for e in events if isinstance(e, c.SourceLoaded))
    assert (loaded.description, loaded.rows, loaded.problems) == ("IMDb ratings, 2024 format", 2,
                                                                   {"Invalid rating value": 1})
    assert any(isinstance(e, c.Log) and e.text.startswith("Detected: IMDb ratings") for e in events)
    assert any(isinstance(e, c.Busy) and c.SOURCE in e.jobs for e in events)
    assert isinstance(events[-1], c.Busy) and not events[-1].jobs

    ctl.load_source(tmp_path / "bad.csv")
    failed = [e for e in drain_until(ctl, lambda e: isinstance(e, c.Failed)) if isinstance(e, c.Failed)]
    assert failed == [c.Failed(c.SOURCE, "bad.csv is not an IMDb or Letterboxd export: line 1 has columns a, b.")]

    ctl.load_source(tmp_path / "bug.csv")
    bug = next(e for e in drain_until(ctl, lambda e: isinstance(e, c.Failed)) if isinstance(e, c.Failed))
    assert "Unexpected error (KeyError" in bug.message and "Traceback" not in bug.message

    ctl.connect_url("http://10.0.0.9:32400", "secret-token-123")
    failed = [e for e in drain_until(ctl, lambda e: isinstance(e, c.Failed)) if isinstance(e, c.Failed)]
    assert failed[0].job == c.CONNECT and "Cannot reach Plex at http://10.0.0.9:32400" in failed[0].message
    assert not ctl.connect_url("", "x")  # refused at once, with a message
    assert "Enter both" in next(e for e in ctl.drain() if isinstance(e, c.Failed)).message

    main = threading.get_ident()
    assert engine.calls and all(ident != main for _name, ident, _thread in engine.calls)


def test_preview_refuses_incomplete_request_and_jobs_are_exclusive(tmp_path: Path) -> None:
    gate = threading.Event()

    class Slow(ScriptedEngine):
        def read_ratings(self, path: Path) -> ReadResult:
            gate.wait(5)
            return super().read_ratings(path)

    ctl = c.Controller(Slow())
    assert ctl.load_source(tmp_path / "a.csv")
    request = RunRequest(tmp_path / "a.csv", "Home", ("Movies",))
    assert not ctl.preview(request)  # a file is still being read
    assert not ctl.load_source(tmp_path / "b.csv")
    gate.set()
    drain_until(ctl, lambda e: isinstance(e, c.SourceLoaded))
    ctl.preview(RunRequest(tmp_path / "a.csv", None))
    failed = next(e for e in drain_until(ctl, lambda e: isinstance(e, c.Failed)) if isinstance(e, c.Failed))
    assert failed.job == c.PLAN and "Sign in" in failed.message


def test_sign_in_cancel_is_not_an_error() -> None:
    started = threading.Event()

    class Pin(ScriptedEngine):
        def pin_login(self) -> Any:
            return object()

        def start_pin(self, login: Any) -> str:
            return "https://app.plex.tv/auth#?code=abc"

        def open_browser(self, url: str) -> bool:
            return False

        def wait_pin(self, login: Any, cancel: threading.Event, on_tick: Any) -> str:
            from ratings_to_plex.plex.session import LoginCancelled

            on_tick(299.0)
            started.set()
            cancel.wait(5)
            raise LoginCancelled("Sign-in cancelled.")

    ctl = c.Controller(Pin())
    assert ctl.sign_in()
    assert started.wait(5)
    assert not ctl.sign_in()  # already waiting
    ctl.cancel()
    events = drain_until(ctl, lambda e: isinstance(e, c.Status) and e.text == "Sign-in cancelled.")
    pending = next(e for e in events if isinstance(e, c.LoginPending))
    assert pending == c.LoginPending("https://app.plex.tv/auth#?code=abc", False)
    assert any(isinstance(e, c.LoginTick) and e.seconds_left == 299.0 for e in events)
    assert not any(isinstance(e, c.Failed) for e in events)


def test_settings_saves_are_merged_and_shutdown_joins() -> None:
    engine = ScriptedEngine()
    ctl = c.Controller(engine)
    ctl.save_settings({"server": "A"})
    ctl.save_settings({"libraries": ["Movies"]})
    ctl.shutdown(save={"gui": {"theme": "Light"}}, timeout=5)
    merged: dict[str, Any] = {}
    for update in engine.saved:
        merged.update(update)
    assert merged == {"server": "A", "libraries": ["Movies"], "gui": {"theme": "Light"}}
    assert not ctl.load_source(Path("x.csv"))  # closed: no new work


# -- history, undo, resume (no display) -------------------------------------------------------------------
def run_info(run_id: int, **fields: Any) -> Any:
    from ratings_to_plex.model import RunInfo

    values: dict[str, Any] = {"id": run_id, "kind": "sync", "started_at": 1_700_000_000.0, "finished_at": None,
                              "status": "done", "file": "/x/ratings.csv", "file_hash": "h", "server_name": "Home",
                              "server_url": "http://10.0.0.2:32400", "machine_id": "home-machine", "undo_of": None,
                              "undone_by": None, "dry_run": False, "applied": 5, "failed": 1, "pending": 0,
                              "libraries": ["Movies"]}
    values.update(fields)
    return RunInfo(**values)


def test_history_rows_say_what_can_be_undone() -> None:
    from ratings_to_plex.gui.history_rows import history_rows, short_when

    rows = history_rows([run_info(4, kind="undo", undo_of=3, file="/x/ratings.csv", applied=5, failed=0),
                         run_info(3, undone_by=4), run_info(2, dry_run=True, applied=0, status="dry_run"),
                         run_info(1, applied=0, failed=0, status="cancelled", pending=7)])
    assert [r.run_id for r in rows] == [4, 3, 2, 1]
    undo, undone, dry, nothing = rows
    assert undo.file == "undo of run 3" and undo.undoable and undo.values()[2] == "undo of run 3"
    assert undone.undone == "by run 4" and "already undone by run 4" in (undone.blocker or "")
    assert dry.status == "dry run" and "dry run" in (dry.blocker or "")
    assert "wrote nothing" in (nothing.blocker or "") and "7 not attempted" in nothing.detail
    assert undone.values()[2:6] == ("ratings.csv", "Home", "5", "1")
    assert "Sync of ratings.csv → Home (Movies)" in undone.detail
    from datetime import datetime

    assert short_when(datetime(2023, 5, 1, 9, 30).timestamp(), datetime(2024, 1, 1)) == "2023-05-01"
    assert short_when(datetime(2024, 5, 1, 9, 30).timestamp(), datetime(2024, 6, 1)).endswith("01 09:30")


def test_history_tells_two_servers_with_one_name_apart() -> None:
    from ratings_to_plex.gui.history_rows import history_rows

    rows = history_rows([run_info(2, server_name="Plex Media Server", machine_id="b",
                                  server_url="http://10.0.0.5:32400"),
                         run_info(1, server_name="Plex Media Server", machine_id="a"), run_info(0)])
    assert [r.server for r in rows] == ["Plex Media Server (10.0.0.5:32400)", "Plex Media Server (10.0.0.2:32400)",
                                        "Home"]


# -- the controller over a real session: two servers with one name, and the three unified rules ----------------
def connected(tmp_path: Path, *emus: Emulator, workers: int = 4) -> tuple[c.Controller, AppSession, list[str]]:
    """A controller over a real session, connected by URL to each emulator; returns the server menu's labels."""
    session = AppSession(journal_path=tmp_path / "j" / "journal.sqlite3", report_dir=tmp_path / "r",
                         workers=workers)
    ctl = c.Controller(Engine(session))
    labels = []
    for emu in emus:
        assert ctl.connect_url(emu.url, emu.token)
        labels.append(event(ctl, c.ServersLoaded).select)
    return ctl, session, labels


def event(ctl: c.Controller, kind: type, timeout: float = 20.0) -> Any:
    found = [e for e in drain_until(ctl, lambda e: isinstance(e, kind | c.Failed), timeout) if isinstance(e, kind)]
    if not found:
        raise AssertionError(f"no {kind.__name__}")
    return found[-1]


def failure(ctl: c.Controller) -> str:
    return str(next(e for e in drain_until(ctl, lambda e: isinstance(e, c.Failed)) if isinstance(e, c.Failed)).message)


def test_two_servers_with_one_name_each_get_their_own_writes(same_name: tuple[Emulator, Emulator],
                                                             tmp_path: Path) -> None:
    a, b = same_name
    ctl, session, (label_a, label_b) = connected(tmp_path, a, b)
    assert label_a == "Plex Media Server" and label_b.startswith("Plex Media Server (127.0.0.1:")
    choices = {ch.name: ch for ch in ctl._choices.values()}
    assert choices[label_a].machine_id == a.machine_identifier and choices[label_b].machine_id == b.machine_identifier
    csv_from_library(b, tmp_path / "b.csv", 12, seed=1)
    before_a = user_state(a)

    request = RunRequest(tmp_path / "b.csv", label_b, all_libraries=True)
    assert ctl.preview(request)
    ready = event(ctl, c.PlanReady)
    assert ready.server == label_b and ready.writes == 12
    assert ctl.run(request)
    finished = event(ctl, c.RunFinished)
    assert finished.status == "done" and finished.written == 12
    assert user_state(a) == before_a and a.counters.writes() == 0  # the defect: the first same-named server
    run = session.run(finished.run_id)
    assert run.machine_id == b.machine_identifier

    ctl.load_history()
    rows = event(ctl, ev.HistoryLoaded).runs
    assert rows[0].server == "Plex Media Server"  # one server in the journal so far: its plain name
    assert ctl.plan_undo(finished.run_id)
    planned = event(ctl, ev.UndoPlanned)
    assert planned.restores == 12 and planned.server == "Plex Media Server"
    assert ctl.run_undo(finished.run_id)
    undone = event(ctl, c.RunFinished)
    assert undone.kind == "undo" and undone.status == "done" and a.counters.writes() == 0


def test_gui_refuses_what_the_session_refuses(same_name: tuple[Emulator, Emulator], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from ratings_to_plex import executor

    workers: list[int] = []
    real = executor.apply_plan

    def recording(*args: Any, **kwargs: Any) -> Any:
        workers.append(kwargs["workers"])
        return real(*args, **kwargs)

    monkeypatch.setattr(executor, "apply_plan", recording)
    a, b = same_name
    # A run on A, cancelled part-way (made without the window, as by the command line).
    session = AppSession(journal_path=tmp_path / "j" / "journal.sqlite3", report_dir=tmp_path / "r", workers=3)
    conn_a = session.connect_url(a.url, a.token)
    file = tmp_path / "a.csv"
    csv_from_library(a, file, 20, seed=2)
    cancel = threading.Event()
    plan = session.preview(conn_a, session.read([file])[0], SyncOptions(all_libraries=True))
    run_id = session.write(conn_a, plan, cancel=cancel,
                           on_event=lambda e: cancel.set() if isinstance(e, ProgressUpdate) else None).run_id

    ctl, _, (label_b,) = connected(tmp_path, b, workers=3)  # connected to B only
    assert ctl.plan_undo(run_id)
    assert failure(ctl).startswith(f"Run {run_id} was made on another server (Plex Media Server at {a.url})")
    assert ctl.check_unfinished(file, label_b)
    assert event(ctl, ev.Unfinished).run_id is None  # not offered for another server with the same name

    assert ctl.connect_url(a.url, a.token)
    label_a = event(ctl, c.ServersLoaded).select
    assert ctl.check_unfinished(file, label_a)
    assert event(ctl, ev.Unfinished).run_id == run_id
    assert ctl.resume(run_id)
    assert event(ctl, c.RunFinished).kind == "resume"
    assert ctl.plan_undo(run_id) and event(ctl, ev.UndoPlanned).restores == 20
    assert ctl.run_undo(run_id) and event(ctl, c.RunFinished).status == "done"
    assert ctl.plan_undo(run_id)
    assert "already undone by run" in failure(ctl)  # the session's one rule
    assert ctl.check_unfinished(file, label_a)
    assert event(ctl, ev.Unfinished).run_id is None
    assert workers and set(workers) == {3}  # sync, resume and undo honour the configured count
    assert b.counters.writes() == 0


def test_export_writes_the_chosen_servers_ratings(same_name: tuple[Emulator, Emulator], tmp_path: Path) -> None:
    a, b = same_name
    ctl, session, (label_a, label_b) = connected(tmp_path, a, b)
    csv_from_library(b, tmp_path / "b.csv", 7, seed=3)
    session.write(ctl._clients[label_b], session.preview(ctl._clients[label_b],
                                                         session.read([tmp_path / "b.csv"])[0],
                                                         SyncOptions(all_libraries=True)))
    assert ctl.export(RunRequest(None, label_b, all_libraries=True), "json", tmp_path / "b.json")
    done = event(ctl, c.Status)
    assert done.level == "ok" and done.text.startswith("Exported ")
    backup = session.read_backup(tmp_path / "b.json")
    assert backup.server_id == b.machine_identifier  # the chosen server, not the first of that name
    rated_on_b = {k for k, v in user_state(b).items() if v[0] is not None}
    assert {i.rating_key for i in backup.items} == rated_on_b
    assert ctl.export(RunRequest(None, label_a), "json", tmp_path / "a.json")
    assert "Choose a library" in failure(ctl) and not (tmp_path / "a.json").exists()


def test_a_damaged_journal_is_offered_to_be_moved_aside(tmp_path: Path) -> None:
    journal = tmp_path / "j" / "journal.sqlite3"
    journal.parent.mkdir()
    journal.write_bytes(b"not a database " * 100)
    ctl = c.Controller(Engine(AppSession(journal_path=journal, report_dir=tmp_path / "r")))
    assert ctl.load_history()
    damaged = event(ctl, ev.JournalDamaged)
    assert str(journal) in damaged.message
    assert ctl.move_journal_aside()
    loaded = event(ctl, ev.HistoryLoaded)
    assert loaded.runs == () and list(journal.parent.glob("journal.sqlite3.corrupt-*"))
