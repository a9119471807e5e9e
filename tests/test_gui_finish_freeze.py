"""What froze the desktop app during a large run, each checked on the real window under Xvfb (issue 12's ≤ 50 ms
freeze; benchmarks/gui_lag.py measures the whole): no subprocess started on the Tk thread by the "System" theme,
scrollbars that do not force a redraw of the whole window, and a flood of log lines and progress drawn ~10×/s with
every line kept, in order."""

from __future__ import annotations

import subprocess
import threading
import time
from typing import Any

import pytest

from ratings_to_plex.gui import controller as c

from .test_gui import Driver, display  # noqa: F401 - the session's Xvfb

pytestmark = pytest.mark.gui


def test_system_theme_is_asked_off_the_tk_thread(display: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import customtkinter as ctk

    from ratings_to_plex.gui.ctk_speed import watch_system_theme

    started: list[int] = []
    real = subprocess.Popen.__init__

    def recording(self: Any, *args: Any, **kwargs: Any) -> None:
        started.append(threading.get_ident())
        real(self, *args, **kwargs)

    d = Driver(1.0, "freeze")
    try:
        ctk.set_appearance_mode("system")  # CTk's own tracker polls every 30 ms from now on
        monkeypatch.setattr(subprocess.Popen, "__init__", recording)
        d.pump(0.5)
        assert d.app.tk_thread not in started  # before: a darkdetect subprocess ~30 times a second
        watcher = watch_system_theme()
        assert watcher is watch_system_theme()  # one per process
        assert watcher.mode in (0, 1)
    finally:
        ctk.set_appearance_mode("light")
        d.close()


def test_scrollbar_set_does_not_flush_idle_tasks(display: str) -> None:  # noqa: F811
    d = Driver(1.0, "freeze")
    try:
        bar = d.app.log_panel._y_scrollbar
        flushed: list[int] = []
        canvas = bar._canvas
        real = type(canvas).update_idletasks
        type(canvas).update_idletasks = lambda self: flushed.append(1) or real(self)  # type: ignore[method-assign]
        try:
            bar.set(0.0, 0.5)
            bar.set(0.0, 0.5)  # unchanged: not drawn again
            bar.set(0.25, 0.75)
        finally:
            type(canvas).update_idletasks = real  # type: ignore[method-assign]
        assert flushed == [] and bar.get() == (0.25, 0.75)
    finally:
        d.close()


def test_a_flood_of_log_lines_and_progress_is_drawn_about_ten_times_a_second(display: str) -> None:  # noqa: F811
    d = Driver(1.0, "freeze")
    app = d.app
    try:
        appends: list[int] = []
        progressed: list[int] = []
        real_append, real_progressed = app.log_panel.append, app.action.progressed
        app.log_panel.append = lambda batch: (appends.append(len(batch)), real_append(batch))[1]  # type: ignore
        app.action.progressed = lambda done, total, eta: (progressed.append(done),  # type: ignore
                                                          real_progressed(done, total, eta))[1]
        app.controller.post(c.RunStarted(3000, False))
        d.pump(0.1)
        started = time.monotonic()
        for i in range(1, 3001):  # a worker reporting every write for ~1.5 s
            app.controller.post(c.Log(f"line {i}"))
            app.controller.post(c.RunProgress(i, 3000, None))
            if i % 100 == 0:
                d.pump(0.05)
        elapsed = time.monotonic() - started
        app.controller.post(c.Status("Done", "ok"))  # any other event draws what is held first
        d.pump(0.2)
        assert sum(appends) == 3000 and app.log_panel.text().splitlines()[-1] == "line 3000"
        assert [f"line {i}" for i in range(1, 3001)] == app.log_panel.text().splitlines()[-3000:]
        assert len(appends) <= elapsed * 10 + 3, (len(appends), elapsed)  # before: one insert per 40 ms poll
        assert progressed[-1] == 3000 and len(progressed) <= elapsed * 10 + 3
        assert str(app.action.progress_text.cget("text")).startswith("3000 / 3000")
    finally:
        d.close()
