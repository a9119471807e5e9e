"""Issue 13 in the desktop app: the Source tab's "Read as" menu overrides detection (the same choice as the web
UI's and `sync --format`), re-reads the chosen file at once, and a file that does not fit is refused on the Source
tab in one line. The Login and Source tabs scroll, so at 200 % on a 1280×900 screen nothing on them is out of
reach. Under Xvfb (1280×900), with screenshots (test-artifacts/gui/ux2_*), at 100, 150 and 200 %."""

from __future__ import annotations

from pathlib import Path

import pytest

from ratings_to_plex.gui.format_menu import DETECT

from .test_gui import Driver, clipped, display  # noqa: F401 - the session's Xvfb

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("display")]
BOTH = ("Const,Your Rating,Title,Year,imdbID,Rating\n"  # IMDb's and the Letterboxd import's readers both take it
        "tt0111161,9,The Shawshank Redemption,1994,tt0111161,2.5\n")


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_read_as_menu_overrides_detection_on_the_source_tab(tmp_path: Path, scale: float) -> None:
    export = tmp_path / "mine.csv"
    export.write_text(BOTH, encoding="utf-8")
    d = Driver(scale, f"ux2_{round(scale * 100)}")
    app = d.app
    try:
        menu = app.read_as
        assert menu.choice.get() == DETECT and menu.format is None
        assert "Letterboxd import CSV" in menu.menu.cget("values")

        def detected() -> str:
            return str(app.source.detected.cget("text"))

        app.set_source(export)
        d.pump(until=lambda: "IMDb ratings" in detected() and d.idle(), what="the detected IMDb file")
        menu.menu.set("Letterboxd import CSV")
        menu._chosen("Letterboxd import CSV")  # what choosing the entry calls
        d.pump(until=lambda: "Letterboxd import CSV" in detected() and d.idle(), what="the file read again")
        assert app.controller.engine.source_format == "letterboxd_import"
        app.show_tab("Source")
        d.pump(0.2)
        if scale == 1.0:
            assert clipped(app) == []
        d.shot("source_read_as")
        canvas = menu.frame.master._parent_canvas  # the Source tab scrolls: its last row is always reachable
        canvas.yview_moveto(1.0)
        d.pump(0.2)
        top, bottom = canvas.winfo_rooty(), canvas.winfo_rooty() + canvas.winfo_height()
        assert top <= menu.menu.winfo_rooty() and menu.menu.winfo_rooty() + menu.menu.winfo_height() <= bottom + 1
        d.shot("source_scrolled")
        canvas.yview_moveto(0.0)
        menu.menu.set("TMDb ratings")
        menu._chosen("TMDb ratings")
        d.pump(until=lambda: "does not fit the chosen format, TMDb ratings" in detected() and d.idle(),
               what="the refusal")
        assert "mine.csv, line 1" in detected()
        d.shot("source_read_as_refused")
        menu.menu.set(DETECT)
        menu._chosen(DETECT)
        d.pump(until=lambda: "IMDb ratings" in detected() and d.idle(), what="detection again")
        assert app.controller.engine.source_format is None
    finally:
        d.close()


def _reachable(d: Driver, widget: object, name: str) -> None:
    """Scrolled to the end, `widget` (the tab's last control) is inside the tab's visible area."""
    frame = widget
    while not hasattr(frame, "_parent_canvas"):
        frame = frame.master  # type: ignore[attr-defined]
    canvas = frame._parent_canvas
    canvas.yview_moveto(1.0)
    d.pump(0.2)
    top, bottom = canvas.winfo_rooty(), canvas.winfo_rooty() + canvas.winfo_height()
    y, h = widget.winfo_rooty(), widget.winfo_height()  # type: ignore[attr-defined]
    assert widget.winfo_ismapped() and top <= y and y + h <= bottom + 1, name  # type: ignore[attr-defined]
    d.shot(name)
    canvas.yview_moveto(0.0)


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_login_and_source_tabs_scroll_to_their_last_control(scale: float) -> None:
    d = Driver(scale, f"ux2_{round(scale * 100)}")
    app = d.app
    try:
        app.show_tab("Login")
        app.login.toggle_advanced(True)  # the tallest Login tab: URL and token fields open
        d.pump(0.2)
        if scale == 1.0:
            assert clipped(app) == []
        d.shot("login_top")
        _reachable(d, app.login.connect, "login_end")
        app.show_tab("Source")
        d.pump(0.2)
        _reachable(d, app.read_as.menu, "source_end")
    finally:
        d.close()
