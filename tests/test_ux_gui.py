"""Issue 13 in the desktop app: what the window's controller does (no display needed) and, under Xvfb, what the
window shows. Real HTTP throughout (the emulator, or a server that accepts and never answers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from ratings_to_plex.gui import controller as c
from ratings_to_plex.gui.engine import Engine
from tests.net_support import never_answering

# The window tests share test_gui's session-wide Xvfb: an X server stopped mid-session would take down a later Tk
# that still holds a connection to it (Xlib exits the process).
from .test_gui import display  # noqa: F401

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("display")]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts every connection and never answers a byte."""
    with never_answering() as address:
        yield address


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


# -- the window under Xvfb, at 100/150/200 % ---------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_window_polish_at_every_scale(emulator: Any, scale: float, tmp_path: Any) -> None:
    """A new user's first minutes: the empty log says where to start, an empty bar is empty, disabled buttons
    read as disabled, an address without http:// connects, "All libraries" shows in the menu, a watched-only
    file is flagged at once and a later good file clears it. Screenshots: test-artifacts/gui/ux_<scale>_*.png."""
    from ratings_to_plex.gui.login_tab import ALL_SHOWN
    from ratings_to_plex.gui.widgets import (
        DISABLED_FG,
        DISABLED_TEXT,
        ERROR_COLOR,
        FIRST_HINT,
        OK_COLOR,
        STOP_COLOR,
    )

    from .test_gui import IMDB, Driver, clipped

    emu = emulator(demo=True)
    watched = tmp_path / "watched.csv"
    watched.write_text("Date,Name,Year,Letterboxd URI\n2024-01-01,Dune,2021,https://boxd.it/a\n", encoding="utf-8")
    d = Driver(scale, f"ux_{int(scale * 100)}")
    app = d.app
    try:
        d.pump(until=d.idle, what="start-up")
        assert app.log_panel.text() == "" and FIRST_HINT in app.log_panel.get("1.0", "end")
        bar = app.action.progress
        assert bar.cget("progress_color") == bar.cget("fg_color")  # no dot of colour in an empty bar
        cancel = app.action.cancel
        assert cancel.cget("state") == "disabled" and cancel.cget("fg_color") == DISABLED_FG
        assert cancel.r2p_fg == STOP_COLOR  # enabled: white on a dark red in both themes
        assert cancel.cget("text_color_disabled") == DISABLED_TEXT
        d.shot("01_first_start")

        app.show_tab("Login")
        app.login.toggle_advanced(True)
        app.form.url.set(f"127.0.0.1:{emu.port}")  # typed without http://
        app.form.token.set(emu.token)
        url_field = app.login.url._entry
        url_field.focus_force()
        d.pump(0.1)
        url_field.event_generate("<Control-a>")
        d.pump(0.05)  # select all, not "go to the line start"
        assert url_field.selection_present() and url_field.selection_get() == f"127.0.0.1:{emu.port}"
        app.login.connect.invoke()
        d.pump(until=lambda: app.form.server.get() == "Plex Emulator" and d.idle(), what="the connection")
        assert app.login.library.get() == "Movies"
        from tkinter import font as tkfont

        menu = app.login.library
        dropdown = menu._dropdown_menu
        dropdown._add_menu_commands()  # as when it opens
        measure = tkfont.Font(root=dropdown, font=dropdown.cget("font")).measure
        widths = [measure(dropdown.entrycget(i, "label")) for i in range(int(dropdown.index("end")) + 1)]
        assert min(widths) >= menu.winfo_width() - 4  # the list is as wide as its field, not 18 characters
        log = app.log_panel._textbox
        log.focus_force()
        d.pump(0.1)
        log.event_generate("<Control-a>")
        d.pump(0.05)
        assert log.get("sel.first", "sel.last").startswith("Connected to Plex Emulator")
        app.form.all_libraries.set(True)
        d.pump(0.1)
        assert app.login.library.get() == ALL_SHOWN
        d.shot("02_all_libraries")
        app.form.all_libraries.set(False)
        d.pump(0.1)
        assert app.login.library.get() == "Movies" and app.form.libraries() == ("Movies",)

        app.set_source(watched)
        d.pump(until=lambda: d.idle() and "Detected" in str(app.source.detected.cget("text")), what="watched.csv")
        assert app.source.detected.cget("text_color") == ERROR_COLOR
        assert "Mark watched if rating imported" in str(app.source.details.cget("text"))
        d.shot("03_watched_only")
        app.preview()  # refused: said once where it belongs (and in the log), the status bar points there
        d.pump(until=lambda: d.idle() and "No preview" in d.status(), what="the refused preview")
        assert d.status() == "No preview: the Preview tab says why."
        assert "Mark watched if rating imported" in str(app.preview_panel.summary.cget("text"))
        assert app.log_panel.text().count("Error: ") == 1
        app.set_source(IMDB)
        d.pump(until=lambda: d.idle() and "57 rows" in str(app.source.detected.cget("text")), what="the export")
        assert app.source.detected.cget("text_color") == OK_COLOR
        assert "Mark watched" not in str(app.source.details.cget("text"))
        app.preview()
        d.pump(until=lambda: d.idle() and "Planned" in str(app.action.progress_text.cget("text")),
               what="the preview")
        d.shot("04_preview")
        panel = app.preview_panel
        shown = [panel.tree.set(i, "title") for i in panel.tree.get_children()]
        full = [r[0] for r in panel.table()]
        cut = [(a, b) for a, b in zip(shown, full, strict=True) if a != b]
        assert cut and all(a.endswith("…") and b.startswith(a[:-1]) for a, b in cut)  # "…", not a silent cut
        assert "Crouching Tiger, Hidden Dragon" in full
        panel.search_var.set("dune")  # searchable…
        d.pump(0.2)
        assert [r[0] for r in panel.table()] == ["Dune", "Dune"]
        panel.search_var.set("")
        panel.sort_by("new")  # …and sortable: a second click on the heading reverses
        panel.sort_by("new")
        d.pump(0.3, until=lambda: not panel.pending())
        news = [float(r[3].split(" ")[0]) for r in panel.table() if r[3][:1].isdigit()]
        assert news == sorted(news, reverse=True) and news[0] == 10
        assert panel.tree.heading("new", "text") == "New ▼"
        d.shot("05_preview_sorted")
        app.form.dry_run.set(True)  # a dry run's count says nothing was written…
        app.update_ratings()
        d.pump(until=lambda: d.idle() and d.status().startswith("Dry run finished"), what="the dry run")
        progress = str(app.action.progress_text.cget("text"))
        assert progress == "Dry run: 38 ratings would be written."
        assert "Would update 38" in str(app.action.result.cget("text"))
        app.form.dry_run.set(False)
        app.preview()  # …and a new preview does not keep it
        d.pump(until=lambda: d.idle() and "Planned" in str(app.action.progress_text.cget("text")),
               what="the new preview")
        assert not app.action.result.winfo_ismapped()
        assert app.login.token_help.r2p_url.startswith("https://support.plex.tv/")
        assert {b.cget("text") for b in app.source.help_links} == {"IMDb", "Letterboxd", "Trakt"}
        if scale <= 1.5:  # 200 % of the seed's window does not fit a 1280×900 screen: looked at, not asserted
            assert clipped(app) == []
    finally:
        d.close()


def _connect(d: Any, emu: Any) -> None:
    """Connect the window (a test_gui Driver) to the emulator with its address and token, as a person would."""
    app = d.app
    app.form.url.set(emu.url)
    app.form.token.set(emu.token)
    app.login.connect.invoke()
    d.pump(until=lambda: app.form.server.get() == "Plex Emulator" and d.idle(), what="the connection")


def _connect_and_preview(d: Any, emu: Any) -> None:
    """Connected, the sample IMDb export chosen and previewed: the window ready to write."""
    from .test_gui import IMDB

    _connect(d, emu)
    app = d.app
    app.set_source(IMDB)
    d.pump(until=lambda: d.idle() and "57 rows" in str(app.source.detected.cget("text")), what="the export")
    app.preview()
    d.pump(until=lambda: d.idle() and app.plan_key is not None, what="the preview")


def test_closing_during_a_run_asks_first(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_gui import Driver

    emu = emulator(demo=True, latency_ms=300)  # slow enough that a cancel leaves writes undone
    d = Driver(1.0, "ux_close")
    app = d.app
    asked: list[int] = []
    monkeypatch.setattr("ratings_to_plex.gui.app.confirm_close", lambda _parent: bool(asked.append(1)))  # "No"
    try:
        _connect_and_preview(d, emu)
        buttons_at = app.action.open_csv.winfo_rooty()
        app.update_ratings()
        d.pump(until=lambda: c.RUN in app.controller.busy, what="the run")
        app.tk.call(app.protocol("WM_DELETE_WINDOW"))  # the window manager's close button
        d.pump(0.2)
        assert asked == [1] and app.winfo_exists() and c.RUN in app.controller.busy  # "No": it goes on
        app.controller.cancel()
        d.pump(until=d.idle, what="the cancel")
        d.pump(0.2)
        summary = str(app.action.result.cget("text"))
        assert "Updated" in summary and "Not attempted" in summary and "Ambiguous 0" not in summary  # what happened…
        one_line = app.action.progress_text.winfo_height()
        assert app.action.result.winfo_height() <= one_line + 2  # …on one line: no wrapping
        assert app.action.open_csv.winfo_rooty() - buttons_at <= one_line + 2
        app.tk.call(app.protocol("WM_DELETE_WINDOW"))  # nothing running: closes without a question
        assert asked == [1]
    finally:
        d.close()


def test_changing_interface_size_keeps_hidden_things_hidden_and_the_window_size() -> None:
    """CTk re-applies a widget's last grid() call when the scaling changes — which re-showed everything hidden
    with grid_remove() (a finished run's banner, empty notes); and back at 100 % the window stayed wide."""
    from .test_gui import Driver

    d = Driver(1.0, "ux_rescale")
    app = d.app
    try:
        d.pump(until=d.idle, what="start-up")
        width = app.winfo_width()
        hidden = [app.login.server_note, app.login.advanced, app.banner.frame]
        assert not any(w.winfo_ismapped() for w in hidden)
        app.set_status("A long status line that, at 200 %, makes the status bar wrap at the window's width " * 3)
        for size in ("150%", "200%", "100%"):
            app.form.scale.set(size)
            app._on_scale(size)
            d.pump(0.6)
            app.show_tab("Login")
            d.pump(0.2)
            assert not any(w.winfo_ismapped() for w in hidden), size
            if size == "200%":
                d.shot("200")
        assert abs(app.winfo_width() - width) <= 12, (app.winfo_width(), width)
        d.shot("back_to_100")
    finally:
        d.close()


def test_signed_in_as_the_account(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ratings_to_plex.emulator.users import OWNER_NAME
    from ratings_to_plex.plex.credentials import save_token

    emu = emulator(demo=True)
    monkeypatch.setenv("RATINGS_TO_PLEX_PLEXTV_URL", emu.url)
    save_token(emu.token)  # signed in last time: the window starts signed in
    ctl = c.Controller(Engine())
    try:
        ctl.start(use_stored_token=True)
        seen = _events_until(ctl, lambda e: isinstance(e, c.ServersLoaded), 20)
    finally:
        ctl.shutdown()
    from ratings_to_plex.gui.events import AccountKnown

    assert AccountKnown(OWNER_NAME) in seen


def test_an_interrupted_run_can_be_finished_from_history_after_a_restart(emulator: Any) -> None:
    from .test_gui import IMDB, Driver

    emu = emulator(demo=True, latency_ms=300)  # slow enough that a cancel leaves writes undone
    d = Driver(1.0, "ux_finish")
    try:
        app = d.app
        _connect_and_preview(d, emu)
        app.update_ratings()
        d.pump(until=lambda: "/ 38 written" in str(app.action.progress_text.cget("text"))
               and not str(app.action.progress_text.cget("text")).startswith("0 /"), what="some writes")
        app.controller.cancel()
        d.pump(until=d.idle, what="the cancel")
        app.set_source(IMDB)  # the banner offers to finish it: under the tabs, the two columns stay in line
        d.pump(until=lambda: d.idle() and app.banner.shown and app.banner.frame.winfo_ismapped(), what="banner")
        d.pump(0.3)
        assert abs(app.tabs.winfo_rooty() - app.right.winfo_rooty()) <= 2
        assert app.banner.frame.winfo_rooty() >= app.right.winfo_rooty() + app.right.winfo_height() - 2
        app.show_tab("Activity Log", app.right)
        d.pump(0.3)
        assert app.log_panel._textbox.yview()[1] == 1.0  # the end of the log is in view
        d.shot("banner")
    finally:
        d.close()
    d = Driver(1.0, "ux_finish_restarted")  # the next start: the run's file is not chosen again
    try:
        app = d.app
        _connect(d, emu)
        d.pump(until=lambda: "did not finish: finish it in History" in app.log_panel.text(), what="the note")
        app.show_tab("History", app.right)
        d.pump(until=lambda: bool(app.history.rows), what="the history")
        (run,) = app.history.rows
        assert run.status == "cancelled" and run.finishable
        assert "finish an interrupted one" in str(app.history.summary.cget("text"))
        app.history.select(run.run_id)
        assert app.history.finish.cget("state") == "normal"
        d.shot("history_finish")
        app.history.finish.invoke()
        d.pump(until=lambda: d.idle() and "finished" in d.status(), what="the finished run")
        assert app.history.rows[0].status == "done" and not app.history.rows[0].finishable
        state = emu.state()
        assert sum(1 for s in state.values() if s.user_rating is not None) >= 38
    finally:
        d.close()
