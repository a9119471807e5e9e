"""A long-running process (`ratings-to-plex web`, the desktop app) runs sync after sync and starts emulators over and
over: none of that may leave descriptors or threads behind. Counted from /proc/self/fd, after a few warm-up rounds
(pools and caches that are meant to stay), over many more rounds that must not add to it."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from ratings_to_plex.app import AppSession, SyncOptions
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plex.plextv import PLEXTV_ENV

from .test_journal_helpers import csv_from_library
from .web_support import Browser, WebServer, no_real_plextv  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc/self/fd")

ROUNDS = 30
WARM_UP = 4
SLACK = 3  # a keep-alive connection or two may be open or not at the moment of counting


def open_fds() -> int:
    """Descriptors open now, once what is only cyclic garbage was collected (the collector runs on its own schedule
    in a real process; what it can never collect — held or frozen — is the leak counted here)."""
    gc.collect()
    return len(os.listdir("/proc/self/fd"))


def growth(rounds: int, one_round: Callable[[int], None]) -> tuple[int, int]:
    """(descriptors, threads) added between the end of the warm-up and the end of all `rounds`."""
    for i in range(WARM_UP):
        one_round(i)
    fds, threads = open_fds(), threading.active_count()
    for i in range(WARM_UP, rounds):
        one_round(i)
    return open_fds() - fds, threading.active_count() - threads


@pytest.fixture
def session(tmp_path: Path) -> Iterator[AppSession]:
    s = AppSession(journal_path=tmp_path / "journal" / "journal.sqlite3", report_dir=tmp_path / "reports", workers=4)
    yield s
    s.close()


def test_syncs_through_one_app_session_leave_no_descriptors(emulator: Callable[..., Emulator], session: AppSession,
                                                            tmp_path: Path) -> None:
    # Each round signs in anew (a new connection, as a web visitor or a desktop user does), scans, plans and
    # writes. The scan pauses and then freezes the garbage collector's view of the heap: what a previous run left
    # in reference cycles (its HTTP pools, its sockets) must still be collected, not frozen for good.
    emu = emulator(movies=60, shows=0, seed=5)
    files = [tmp_path / f"ratings-{i}.csv" for i in range(3)]
    for i, file in enumerate(files):
        csv_from_library(emu, file, 12, seed=i)

    def sync(i: int) -> None:
        conn = session.connect_url(emu.url, emu.token)
        plan = session.preview(conn, session.read([files[i % len(files)]])[0], SyncOptions(all_libraries=True))
        assert session.write(conn, plan).run_id

    fds, threads = growth(ROUNDS, sync)
    assert fds <= SLACK, f"{fds} descriptors more after {ROUNDS - WARM_UP} more syncs"
    assert threads <= 1, f"{threads} threads more after {ROUNDS - WARM_UP} more syncs"


def test_emulators_started_and_stopped_leave_no_descriptors_or_threads() -> None:
    def start_ask_stop(_: int) -> None:
        with Emulator(EmulatorConfig(movies=5, shows=0, seed=1)) as emu, requests.Session() as http:
            assert http.get(emu.url + "/identity", headers={"X-Plex-Token": emu.token}, timeout=10).ok

    fds, threads = growth(ROUNDS, start_ask_stop)
    assert fds <= SLACK, f"{fds} descriptors more after {ROUNDS - WARM_UP} more emulators"
    assert threads <= SLACK, f"{threads} threads more after {ROUNDS - WARM_UP} more emulators"



def test_web_sign_ins_and_page_loads_leave_no_descriptors_or_threads(emulator: Callable[..., Emulator],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Each round is a new browser: it signs in with a token (the server connects to Plex), loads the page, signs
    # out and goes away. The server keeps running, as `ratings-to-plex web` does for weeks.
    emu = emulator(movies=20, shows=0, seed=4)
    monkeypatch.setenv(PLEXTV_ENV, emu.url)
    with WebServer() as web:
        def visit(_: int) -> None:
            browser = Browser(web)
            try:
                browser.post("/signin/token", url=emu.url, token=emu.token)
                assert 'data-testid="library"' in browser.page()
                browser.post("/signout")
            finally:
                browser.client.close()

        fds, threads = growth(ROUNDS, visit)
    assert fds <= SLACK, f"{fds} descriptors more after {ROUNDS - WARM_UP} more visits"
    assert threads <= SLACK, f"{threads} threads more after {ROUNDS - WARM_UP} more visits"
