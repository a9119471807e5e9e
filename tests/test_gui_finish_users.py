"""The desktop app's Plex Home user picker (issue 16), under Xvfb against the strict emulator: the User menu lists the
Home, a PIN-protected user needs the PIN (masked field), a failed switch connects nobody (a preview then refuses —
never the owner in their place), and a managed user's run changes only that user's ratings, item for item; History
names the user. Every engine call runs in the controller's workers. Screenshots: test-artifacts/gui/users_*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator
from tests.test_journal_helpers import csv_from_library
from tests.users_support import everybody, home_emulator, who

from .test_gui import Driver, clipped, display, no_engine_call_on_tk_thread  # noqa: F401 - display: the session's Xvfb

pytestmark = pytest.mark.gui


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with home_emulator(monkeypatch) as e:
        yield e


def _switch(d: Driver, name: str, pin: str = "") -> str:
    from ratings_to_plex.gui.user_picker import picker

    p = picker(d.app)
    d.app.show_tab("Login")
    p.choice.set(next(label for label in p.users if label.startswith(name + " (")))
    p._chosen()
    p.pin.set(pin)
    p.note.configure(text="")
    p.switch.invoke()
    d.pump(until=lambda: d.idle() and str(p.note.cget("text")).startswith(("Acting as", "Nobody")),
           what=f"the switch to {name}")
    return str(p.note.cget("text"))


def test_user_picker_pin_failed_switch_and_a_managed_users_run(display: str, emu: Emulator,  # noqa: F811
                                                               tmp_path: Path) -> None:
    from ratings_to_plex.gui.app import HISTORY_TAB, PREVIEW_TAB
    from ratings_to_plex.gui.user_picker import picker

    export = tmp_path / "ratings.csv"
    expected = csv_from_library(emu, export, 30, seed=5)
    d = Driver(1.0, "users")
    app = d.app
    try:
        app.controller.start()  # the stored sign-in: servers, then the Home's users
        d.pump(until=lambda: d.idle() and "_r2p_user_picker" in app.__dict__ and
               picker(app).frame.winfo_ismapped(), what="the User menu")
        p = picker(app)
        assert {"Kid (managed user)", "Teen (managed user, PIN)"} <= set(p.users), list(p.users)
        assert p.chosen() is not None and p.chosen().kind == "you"  # type: ignore[union-attr]
        assert not p.pin_entry.winfo_ismapped()  # the account itself has no PIN
        d.shot("01_user_menu")
        app.login.toggle_advanced(True)  # the picker and the URL section fit together
        d.pump(0.15)
        assert clipped(app) == []
        app.login.toggle_advanced(False)

        before = everybody(emu)
        note = _switch(d, "Teen")  # protected, no PIN: refused, and nobody is connected
        assert note.startswith("Nobody is connected") and "PIN" in note, note
        assert p.pin_entry.winfo_ismapped() and p.pin_entry.cget("show") == "•"  # masked
        app.set_source(export)
        d.pump(until=lambda: d.idle() and "Detected:" in str(app.source.detected.cget("text")), what="the file")
        app.preview()
        d.pump(until=lambda: d.idle() and "No preview" in str(app.preview_panel.summary.cget("text")),
               what="the refused preview")
        assert "Nobody is connected" in str(app.preview_panel.summary.cget("text"))
        note = _switch(d, "Teen", "9999")  # a wrong PIN: plex.tv says no; still nobody
        assert note.startswith("Nobody is connected"), note
        assert p.pin.get() == ""  # the PIN is not kept in the field
        app.update_ratings()
        d.pump(until=lambda: d.idle() and "No preview" in str(app.preview_panel.summary.cget("text")),
               what="the refused update")
        app.show_tab("Login")
        d.shot("02_wrong_pin_nobody_connected")
        assert clipped(app) == []
        assert everybody(emu) == before  # nothing written, for nobody — not the owner either

        note = _switch(d, "Kid")
        assert note == f"Acting as Kid on {app.form.server.get()}.", note
        d.shot("03_acting_as_kid")
        app.update_ratings()
        d.pump(until=lambda: d.idle() and app.plan_key is not None, what="Kid's plan")
        assert app.right.get() == PREVIEW_TAB
        app.update_ratings()
        d.pump(until=lambda: d.idle() and d.status().startswith("Done"), what="Kid's run")
        after = everybody(emu)
        for name in ("owner", "Teen"):
            assert after[name] == before[name], name  # untouched, item for item
        assert all(after["Kid"][key][0] == rating for key, rating in expected.items())
        assert after["Kid"] != before["Kid"]

        app.show_tab(HISTORY_TAB, app.right)
        d.pump(until=lambda: d.idle() and bool(app.history.rows), what="History")
        newest = app.history.rows[0]
        assert newest.server.endswith("· Kid") and " as Kid " in newest.detail, newest
        app.history.select(newest.run_id)
        d.shot("04_history_names_the_user")

        note = _switch(d, "Teen", who(emu, "Teen").pin or "")  # the right PIN: acting as Teen
        assert note.startswith("Acting as Teen"), note
        teen_before = everybody(emu)
        app.controller.plan_undo(newest.run_id)  # Kid's run, while acting as Teen: refused, with the right words
        d.pump(until=lambda: d.idle() and "another Plex user" in app.log_panel.text(), what="the refused undo")
        assert "another server" not in app.log_panel.text() and "User menu on the Login tab" in app.log_panel.text()
        assert everybody(emu) == teen_before
        log = app.log_panel.text()
        assert all(person.account_token not in log and person.server_token not in log
                   for person in emu.ctx.users.people) and emu.token not in log
        no_engine_call_on_tk_thread(d, "home_users", "connect_as", "execute_plan")
    finally:
        d.close()
