"""Issue 13 in the desktop app: what the window's controller does (no display needed) and, under Xvfb, what the
window shows. Real HTTP throughout (the emulator, or a server that accepts and never answers)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ratings_to_plex.gui import controller as c
from ratings_to_plex.gui.engine import Engine

pytestmark = pytest.mark.gui


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts every connection and never answers a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def _events_until(ctl: c.Controller, predicate: Any, timeout: float) -> list[Any]:
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += ctl.drain()
        if any(predicate(e) for e in seen):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"timed out; events so far: {seen}")


def test_connecting_is_busy_and_cancel_frees_the_window_at_once(silent_server: str) -> None:
    ctl = c.Controller(Engine())
    try:
        assert ctl.connect_url(silent_server, "some-token-1")
        seen = _events_until(ctl, lambda e: isinstance(e, c.Status) and e.text.startswith("Connecting to"), 5)
        assert any(isinstance(e, c.Busy) and c.CONNECT in e.jobs for e in seen)  # the window shows it busy
        started = time.monotonic()
        ctl.cancel()  # the Cancel button and Esc
        seen = _events_until(ctl, lambda e: isinstance(e, c.Status) and e.text == "Connection cancelled.", 2)
        assert time.monotonic() - started < 1
        assert c.CONNECT not in ctl.busy and any(isinstance(e, c.Busy) and c.CONNECT not in e.jobs for e in seen)
        time.sleep(14)  # the abandoned attempt gives up (CONNECT_RETRY) in the background: no error follows
        late = ctl.drain()
        assert not any(isinstance(e, (c.Failed, c.ServersLoaded)) for e in late), late
    finally:
        ctl.shutdown()


def test_a_silent_server_fails_in_the_app_within_15_s(silent_server: str) -> None:
    ctl = c.Controller(Engine())
    try:
        started = time.monotonic()
        assert ctl.connect_url(silent_server, "some-token-1")
        seen = _events_until(ctl, lambda e: isinstance(e, c.Failed), 20)
        assert time.monotonic() - started < 16
        failure = next(e for e in seen if isinstance(e, c.Failed))
        assert failure.job == c.CONNECT and "Plex" in failure.message and "bug" not in failure.message
    finally:
        ctl.shutdown()


# -- errors worded for the app ---------------------------------------------------------------------------------
def test_app_errors_name_tabs_and_buttons_not_cli_options(tmp_path: Any, emulator: Any) -> None:
    from ratings_to_plex.app.advice import worded
    from ratings_to_plex.app.jobs import failure_message
    from ratings_to_plex.errors import RatingsToPlexError
    from ratings_to_plex.gui.state import RunRequest

    emu = emulator(demo=True)
    watched = tmp_path / "watched.csv"
    watched.write_text("Date,Name,Year,Letterboxd URI\n2024-01-01,Dune,2021,https://boxd.it/a\n", encoding="utf-8")
    binary = tmp_path / "ratings.csv"
    binary.write_bytes(b"Const,Your Rating\x00\x00\x00tt0111161,9\n")
    ctl = c.Controller(Engine())
    try:
        texts = []
        ctl.connect_url(emu.url, "wrong-token-1234")  # the token is refused
        texts.append(next(e for e in _events_until(ctl, lambda e: isinstance(e, c.Failed), 20)
                          if isinstance(e, c.Failed)).message)
        ctl.connect_url(emu.url, emu.token)
        _events_until(ctl, lambda e: isinstance(e, c.ServersLoaded), 20)
        assert ctl.load_source(watched)  # said when the file is chosen, not only when Preview refuses it
        loaded = next(e for e in _events_until(ctl, lambda e: isinstance(e, c.SourceLoaded), 10)
                      if isinstance(e, c.SourceLoaded))
        assert not loaded.ratings and "Mark watched if rating imported" in loaded.notes[-1]
        while ctl.busy:
            time.sleep(0.02)
        assert ctl.preview(RunRequest(watched, "Plex Emulator", ("Movies",)))
        texts.append(next(e for e in _events_until(ctl, lambda e: isinstance(e, c.Failed), 20)
                          if isinstance(e, c.Failed)).message)
        assert ctl.load_source(binary)
        texts.append(next(e for e in _events_until(ctl, lambda e: isinstance(e, c.Failed), 20)
                          if isinstance(e, c.Failed)).message)
    finally:
        ctl.shutdown()
    assert "Login to Plex on the Login tab" in texts[0] and "wrong-token" not in texts[0]
    assert "Mark watched if rating imported" in texts[1] and "Options tab" in texts[1]
    assert "Source tab" in texts[2] and "NUL" in texts[2]
    for text in texts:
        assert "--" not in text and "ratings-to-plex " not in text, text
    # the command line keeps its own words; an error without a reason reads the same everywhere
    cli = RatingsToPlexError("pass a valid --token", reason="token_rejected", where="http://x")
    assert failure_message(cli) == "pass a valid --token"
    assert worded(RatingsToPlexError("plain words"), "gui") == "plain words"
