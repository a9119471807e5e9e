"""The action area under the tabs: Preview / Update / Cancel, the progress bar with count and ETA, and the
result of the last run with buttons to open its reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import customtkinter as ctk

from .widgets import ERROR_COLOR, MUTED_COLOR, OK_COLOR, PAD, STOP_COLOR, STOP_HOVER, button, enable, label

UPDATE_TEXT = "Update Plex Ratings"
WORKING = "Working… (Esc or Cancel stops it)"


class ActionArea:
    def __init__(self, master: Any, *, on_preview: Callable[[], Any], on_update: Callable[[], Any],
                 on_cancel: Callable[[], Any], on_open: Callable[[Path], Any]) -> None:
        self.frame = frame = ctk.CTkFrame(master)
        frame.grid_columnconfigure(1, weight=1)
        self._on_open = on_open
        self.preview = button(frame, "Preview", on_preview, width=96)
        self.preview.grid(row=0, column=0, sticky="w", padx=(PAD, 0), pady=(PAD, 4))
        self.update = button(frame, UPDATE_TEXT, on_update, height=36, font=ctk.CTkFont(size=15, weight="bold"))
        self.update.grid(row=0, column=1, sticky="ew", padx=PAD, pady=(PAD, 4))
        self.cancel = button(frame, "Cancel", on_cancel, width=80, state="disabled", fg_color=STOP_COLOR,
                             hover_color=STOP_HOVER)
        self.cancel.grid(row=0, column=2, sticky="e", padx=(0, PAD), pady=(PAD, 4))
        self.progress = _Bar(frame, mode="determinate")
        self.progress.set(0)
        self.progress.grid(row=1, column=0, columnspan=3, sticky="ew", padx=PAD, pady=(4, 0))
        self.progress_text = label(frame, "Ready.", muted=True, size=12)
        self.progress_text.grid(row=2, column=0, columnspan=3, sticky="ew", padx=PAD)
        self.result = label(frame, "", size=12, wrap=350)
        self.result.grid(row=3, column=0, columnspan=3, sticky="ew", padx=PAD)
        self.result.grid_remove()
        links = ctk.CTkFrame(frame, fg_color="transparent")
        links.grid(row=4, column=0, columnspan=3, sticky="ew", padx=PAD, pady=(2, PAD))
        self.open_csv = button(links, "Open unmatched CSV", lambda: self._open("csv"), width=150,
                               state="disabled")
        self.open_csv.pack(side="left")
        self.open_logs = button(links, "Open log folder", lambda: self._open("log"), width=130, state="disabled")
        self.open_logs.pack(side="left", padx=(PAD, 0))
        self.paths: dict[str, Path | None] = {"csv": None, "log": None}
        self._indeterminate = False
        self.verb = "written"  # what the count counts: "written", or "restored" during an undo

    def _open(self, which: str) -> None:
        path = self.paths.get(which)
        if path is not None:
            self._on_open(path)

    # -- states --------------------------------------------------------------------------------------------
    def set_busy(self, planning: bool, running: bool, cancellable: bool) -> None:
        enable(self.preview, not (planning or running))
        enable(self.update, not (planning or running))
        enable(self.cancel, cancellable)
        if planning and not self._indeterminate:
            self.progress.configure(mode="indeterminate")
            self.progress.start()
            self._indeterminate = True
            self.result.grid_remove()  # the last run's result and count are not about what happens now
            self.progress_text.configure(text=WORKING)
        elif not planning and self._indeterminate:
            self.progress.stop()
            self.progress.configure(mode="determinate")
            self.progress.set(0)
            self._indeterminate = False
            if self.progress_text.cget("text") == WORKING:
                self.progress_text.configure(text="Ready.")

    def set_update_text(self, writes: int | None, dry_run: bool) -> None:
        if dry_run:
            text = "Start Dry Run"
        elif writes:
            text = f"Write {writes} Change{'s' if writes != 1 else ''}"
        else:
            text = UPDATE_TEXT
        self.update.configure(text=text)

    def planned(self, writes: int) -> None:
        """A new plan: the bar and the result line start over (the report buttons still open the last run's)."""
        self.progress.set(0)
        self.result.grid_remove()
        self.progress_text.configure(text=f"Planned: {writes} change{'s' if writes != 1 else ''} to write.")

    def note(self, text: str) -> None:
        """A step that writes nothing (e.g. an undo waiting for confirmation): the bar starts over."""
        self.progress.set(0)
        self.result.grid_remove()
        self.progress_text.configure(text=text)

    def started(self, total: int, dry_run: bool, verb: str = "written") -> None:
        self.verb = verb
        self.progress.set(0)
        self.result.grid_remove()
        self.progress_text.configure(text="Dry run: nothing is written…" if dry_run else f"0 / {total} {verb}")

    def progressed(self, done: int, total: int, eta_s: float | None) -> None:
        self.progress.set(done / total if total else 1)
        eta = f" · about {_duration(eta_s)} left" if eta_s else ""
        self.progress_text.configure(text=f"{done} / {total} {self.verb}{eta}")

    def finished(self, text: str, level: str, csv: Path | None, log: Path | None, done: int, total: int) -> None:
        self.progress.set(done / total if total else 1)
        self.progress_text.configure(text=f"{done} / {total} {self.verb}" if total else "Nothing to write.")
        # Only the counts that are not 0 (and Failed): the line fits (a summary wrapping moved the buttons)
        text = " · ".join(p for p in text.split(" · ") if not p.endswith(" 0") or p.startswith("Failed"))
        self.result.configure(text=text, text_color={"ok": OK_COLOR, "error": ERROR_COLOR}.get(level, MUTED_COLOR))
        self.result.grid()
        self.paths = {"csv": csv, "log": log.parent if log else None}
        enable(self.open_csv, csv is not None)
        enable(self.open_logs, log is not None)


class _Bar(ctk.CTkProgressBar):
    """CTk draws an empty bar's rounded end as a dot of progress colour: at 0 it is drawn in the trough's colour."""

    def set(self, value: float, from_variable_callback: bool = False) -> None:
        if not hasattr(self, "r2p_color"):
            self.r2p_color = self.cget("progress_color")
        empty = value <= 0 and self.cget("mode") == "determinate"
        wanted = self.cget("fg_color") if empty else self.r2p_color
        if self.cget("progress_color") != wanted:
            self.configure(progress_color=wanted)
        super().set(value, from_variable_callback)

    def start(self) -> None:
        if hasattr(self, "r2p_color"):
            self.configure(progress_color=self.r2p_color)
        super().start()


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"
