"""The desktop app's engine in its own process (issue 12's ≤ 50 ms freeze; `benchmarks/gui_lag.py` measures it):
the window's controller is `remote.RemoteController`, the real controller runs in `engine_process`, and every scan,
match, plan and write happens there — the window's process holds no engine thread that could take the GIL from Tk.

Driven through the real path: a spawned engine process, real HTTP to the emulator, the journal on disk."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex.emulator import Emulator
from ratings_to_plex.gui import events as ev
from ratings_to_plex.gui.engine_process import EngineSettings
from ratings_to_plex.gui.remote import ENGINE_GONE, RemoteController
from ratings_to_plex.gui.state import RunRequest

from .test_gui import Driver, close_mid_run, display  # noqa: F401 - display: the session's Xvfb
from .test_journal_helpers import csv_from_library, user_state

pytestmark = pytest.mark.gui

ENGINE_THREADS = ("r2p-job", "r2p-scan", "r2p-apply")  # the engine's worker threads, by name


def events_until(ctl: RemoteController, kind: type, timeout: float = 30.0) -> list[Any]:
    """Events until one of `kind` (or a failure) has arrived and no job is busy."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += ctl.drain()
        if any(isinstance(e, kind | ev.Failed) for e in seen) and not ctl.busy:
            return seen + ctl.drain()
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {kind.__name__}; events so far: {seen[-20:]}")


def last(events: list[Any], kind: type) -> Any:
    found = [e for e in events if isinstance(e, kind)]
    assert found, f"no {kind.__name__} in {[type(e).__name__ for e in events]}: " + \
        "; ".join(e.message for e in events if isinstance(e, ev.Failed))
    return found[-1]


@pytest.fixture
def remote(tmp_path: Path) -> Any:
    made: list[RemoteController] = []

    def make() -> RemoteController:
        ctl = RemoteController(EngineSettings(tmp_path / "j" / "journal.sqlite3", tmp_path / "reports"))
        made.append(ctl)
        return ctl

    yield make
    for ctl in made:
        ctl.shutdown(timeout=2.0)
        assert not ctl.process.is_alive()


def test_a_sync_runs_in_the_engine_process_and_lands(remote: Callable[[], RemoteController],
                                                     emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    emu = emulator(movies=60, shows=0, seed=5, latency_ms=1)
    expected = csv_from_library(emu, tmp_path / "r.csv", 15, seed=2)
    ctl = remote()
    assert ctl.process.pid != os.getpid()
    assert ctl.ping()
    assert ctl.connect_url(emu.url, emu.token)
    label = last(events_until(ctl, ev.ServersLoaded), ev.ServersLoaded).select
    assert ctl.load_source(tmp_path / "r.csv")
    assert last(events_until(ctl, ev.SourceLoaded), ev.SourceLoaded).rows == 15

    request = RunRequest(tmp_path / "r.csv", label, all_libraries=True)
    assert ctl.preview(request)
    ready = last(events_until(ctl, ev.PlanReady), ev.PlanReady)
    assert ready.writes == len(expected) and len(ready.rows) >= 15
    assert ctl.has_fresh_plan(request)
    assert ctl.run(request)
    finished = last(events_until(ctl, ev.RunFinished), ev.RunFinished)
    assert (finished.status, finished.written) == ("done", len(expected))
    state = user_state(emu)
    assert all(state[key][0] == rating for key, rating in expected.items())
    # nothing of the engine ran here: no worker thread of it ever lived in this process
    assert not [t.name for t in threading.enumerate() if t.name.startswith(ENGINE_THREADS)]
    assert (tmp_path / "j" / "journal.sqlite3").exists()  # the engine's journal, where the window said


def test_read_as_reaches_the_engine_and_its_refusal_comes_back(remote: Callable[[], RemoteController],
                                                               tmp_path: Path, emulator: Callable[..., Emulator],
                                                               ) -> None:
    emu = emulator(movies=20, shows=0, seed=6)
    csv_from_library(emu, tmp_path / "r.csv", 5)
    ctl = remote()
    ctl.engine.source_format = "letterboxd_import"  # the Source tab's "Read as" menu does this
    assert ctl.engine.source_format == "letterboxd_import"
    assert ctl.load_source(tmp_path / "r.csv")
    failed = last(events_until(ctl, ev.Failed), ev.Failed)
    assert "r.csv" in failed.message
    ctl.engine.source_format = None  # detect again: the same file reads
    assert ctl.load_source(tmp_path / "r.csv")
    assert last(events_until(ctl, ev.SourceLoaded), ev.SourceLoaded).rows == 5


def test_a_dead_engine_is_said_plainly_and_nothing_waits(remote: Callable[[], RemoteController],
                                                         tmp_path: Path) -> None:
    ctl = remote()
    assert ctl.ping()
    ctl.process.kill()
    ctl.process.join(10)
    failed = last(events_until(ctl, ev.Failed, timeout=10), ev.Failed)
    assert failed.message == ENGINE_GONE and "This is a bug" not in failed.message
    started = time.monotonic()
    assert not ctl.load_source(tmp_path / "r.csv")  # refused at once, not after a timeout
    assert not ctl.busy and time.monotonic() - started < 2
    assert last(ctl.drain(), ev.Failed).message == ENGINE_GONE  # and the click is answered, in plain words

    frozen = remote()  # an engine that dies while the window waits for its answer: the wait ends with it
    assert frozen.ping()
    os.kill(frozen.process.pid, signal.SIGSTOP)
    answers: list[bool] = []
    waiting = threading.Thread(target=lambda: answers.append(frozen.load_source(tmp_path / "r.csv")))
    waiting.start()
    time.sleep(0.3)
    frozen.process.kill()
    waiting.join(5)
    assert answers == [False] and last(frozen.drain(), ev.Failed).message == ENGINE_GONE


def test_the_window_uses_the_engine_process_and_syncs(display: str, emulator: Callable[..., Emulator],  # noqa: F811
                                                      tmp_path: Path) -> None:
    """The window as `run_app` builds it: connect by URL, choose the file, Preview, Update — on screen."""
    emu = emulator(movies=60, shows=0, seed=7, latency_ms=1)
    expected = csv_from_library(emu, tmp_path / "r.csv", 12, seed=3)
    d = Driver(1.0, "remote", controller=RemoteController())
    app = d.app
    try:
        app.form.url.set(emu.url)
        app.form.token.set(emu.token)
        app.login.connect.invoke()
        d.pump(until=lambda: app.form.request().server is not None and d.idle(), what="the connection")
        app.form.all_libraries.set(True)
        app.set_source(tmp_path / "r.csv")
        d.pump(until=lambda: "Detected" in str(app.source.detected.cget("text")) and d.idle(), what="the file")
        app.preview()
        d.pump(until=lambda: app.plan_key is not None and d.idle(), what="the preview")
        app.update_ratings()
        d.pump(until=lambda: d.status().startswith(("Done", "Finished")) and d.idle(), what="the run")
        d.shot("done")
        assert f"{len(expected)}" in d.status()
        state = user_state(emu)
        assert all(state[key][0] == rating for key, rating in expected.items())
        assert not [t.name for t in threading.enumerate() if t.name.startswith(ENGINE_THREADS)]
    finally:
        d.close()


def test_closing_the_window_mid_run_cancels_in_the_engine_and_journals_it(display: str,  # noqa: F811
                                                                            emulator: Callable[..., Emulator],
                                                                            tmp_path: Path) -> None:
    emu = emulator(movies=80, shows=0, seed=8, latency_ms=1)
    csv_from_library(emu, tmp_path / "r.csv", 40, seed=4)
    controller = RemoteController()
    d = Driver(1.0, "remote", controller=controller)
    run = close_mid_run(d, emu, tmp_path / "r.csv", 30)
    assert not controller.process.is_alive()
    assert run.status == "cancelled" and 0 < run.applied < 40 and run.finished_at  # resumable
    d.close()
