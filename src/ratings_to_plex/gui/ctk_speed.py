"""Two CustomTkinter habits that froze the window during a large run, undone (measured with benchmarks/gui_lag.py).

1. Following the system's light/dark theme: CustomTkinter's "System" appearance mode asks `darkdetect` every 30 ms
on the Tk thread; on Linux each question starts a `gsettings` subprocess, so the window stalled for tens of
milliseconds many times a second. Here a background thread asks every few seconds and keeps the answer;
CustomTkinter's own 30 ms check then only reads that answer, and still applies a change on the Tk thread.

2. Its scrollbars redraw on every `set` (each insert into the Activity Log or the Preview table scrolls) and then
force every pending idle task of the window (`update_idletasks`: the table's layout, the log's wrapping) right away.
Here a scrollbar redraws only when its position changed, and Tk draws it with the rest of the window when idle.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Final

ASK_EVERY_S: Final = 3.0
SWITCH_INTERVAL_S: Final = 0.001


class SystemTheme:
    """The last answer of `darkdetect` (1 = dark, 0 = light), refreshed by one daemon thread per process."""

    def __init__(self, ask: Any, mode: int, every_s: float = ASK_EVERY_S) -> None:
        self._ask = ask
        self._every_s = every_s
        self.mode = mode  # CustomTkinter asked once when it was imported: start from that answer
        self.asked = 0
        self._thread = threading.Thread(target=self._watch, name="system-theme", daemon=True)
        self._thread.start()

    def _asked(self, fallback: int) -> int:
        try:
            return 1 if self._ask() == "Dark" else 0
        except Exception:  # no desktop settings to read (a bare X server, a missing gsettings): keep the last
            return fallback

    def _watch(self) -> None:
        stop = threading.Event()  # never set: the thread ends with the process
        while not stop.wait(self._every_s):
            self.mode = self._asked(self.mode)
            self.asked += 1


_watcher: SystemTheme | None = None
_lock = threading.Lock()


def watch_system_theme() -> SystemTheme:
    """Make CustomTkinter's appearance tracker read the background thread's answer instead of starting a
    subprocess on the Tk thread (once per process; later calls return the same watcher)."""
    global _watcher
    from customtkinter.windows.widgets.appearance_mode.appearance_mode_tracker import AppearanceModeTracker

    with _lock:
        if _watcher is None:
            import darkdetect

            watcher = SystemTheme(darkdetect.theme, AppearanceModeTracker.appearance_mode)
            AppearanceModeTracker.detect_appearance_mode = staticmethod(lambda: watcher.mode)
            _watcher = watcher
        return _watcher


def scrollbars_draw_when_idle() -> None:
    """Make `CTkScrollbar.set` skip unchanged positions and draw without flushing the window's idle tasks."""
    from customtkinter import CTkScrollbar

    if getattr(CTkScrollbar.set, "r2p_patched", False):
        return
    original_set, original_draw = CTkScrollbar.set, CTkScrollbar._draw

    def set_(self: Any, start_value: float, end_value: float) -> None:
        if (float(start_value), float(end_value)) != (self._start_value, self._end_value):
            original_set(self, start_value, end_value)

    def draw(self: Any, no_color_updates: bool = False) -> None:
        canvas = self._canvas
        canvas.update_idletasks = _drawn_when_idle  # this call only: the class's method is left alone
        try:
            original_draw(self, no_color_updates)
        finally:
            del canvas.update_idletasks

    set_.r2p_patched = True  # type: ignore[attr-defined]
    CTkScrollbar.set = set_
    CTkScrollbar._draw = draw


def _drawn_when_idle() -> None:
    """Instead of flushing every idle task now: Tk draws the scrollbar with the rest of the window."""


def speed_up_ctk() -> None:
    watch_system_theme()
    scrollbars_draw_when_idle()
    # The workers (HTTP, XML) hold the GIL in 5 ms slices by default; the Tk thread waited for several in a row.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
