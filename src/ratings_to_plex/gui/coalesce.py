"""Log lines and progress held back between polls, so a busy run redraws the log and the bar ~10 times a second.

Each insert into the Activity Log scrolls it (`see`) and makes CustomTkinter redraw its scrollbar, which flushes
every pending idle task (`update_idletasks`); each progress value reconfigures the bar and its label. Done for every
40 ms poll of a run writing thousands of ratings, that was a large share of the window's freezes
(benchmarks/gui_lag.py). The newest progress wins; log lines are all kept, in order, and inserted together.
Anything else the worker says (a status, a finished run, a failure) draws what is held first, so the log is always
complete when a job's result is shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from .events import Log, RunProgress

if TYPE_CHECKING:
    from .app import App

DRAW_EVERY_S: Final = 0.1


@dataclass
class Held:
    """What waits to be drawn, and when it was last drawn."""

    logs: list[tuple[str, str]] = field(default_factory=list)
    progress: RunProgress | None = None
    drawn_at: float = 0.0

    def keep(self, event: object) -> bool:
        """Hold a log line or a progress value (True); anything else is not ours (False)."""
        if isinstance(event, Log):
            self.logs.append((event.text, event.level))
        elif isinstance(event, RunProgress):
            self.progress = event
        else:
            return False
        return True

    def draw(self, app: App, *, throttled: bool = False, now: float | None = None) -> None:
        """Insert the held lines and show the newest progress; `throttled`: only when the last drawing is at least
        `DRAW_EVERY_S` old (the next poll draws the rest)."""
        now = time.monotonic() if now is None else now
        if not (self.logs or self.progress) or (throttled and now - self.drawn_at < DRAW_EVERY_S):
            return
        logs, progress, self.logs, self.progress = self.logs, self.progress, [], None
        self.drawn_at = now
        app.log_panel.append(logs)
        if progress is not None:
            app.action.progressed(progress.done, progress.total, progress.eta_s)


def held(app: App) -> Held:
    """The window's held lines and progress (made on first use)."""
    found = app.__dict__.get("_r2p_held")
    if found is None:
        found = app.__dict__["_r2p_held"] = Held()
    assert isinstance(found, Held)
    return found
