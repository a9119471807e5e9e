"""The banner under the right column's tabs offering to finish the chosen file's unfinished run on this server:
"Run N for this file did not finish (X of Y changes written). [Finish it] [Dismiss]"."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any

import customtkinter as ctk

from .events import Unfinished
from .widgets import PAD, button, enable, label


class ResumeBanner:
    def __init__(self, master: Any, *, on_finish: Callable[[int], Any], on_dismiss: Callable[[int], Any]) -> None:
        self.run_id: int | None = None
        self._on_finish, self._on_dismiss = on_finish, on_dismiss
        self.frame = frame = ctk.CTkFrame(master, corner_radius=6, fg_color=("#fef3c7", "#3f3522"))
        frame.grid_columnconfigure(0, weight=1)
        self.text = label(frame, "", bold=True)
        self.text.grid(row=0, column=0, sticky="ew", padx=PAD, pady=(6, 0))
        self.hint = label(frame, "", size=12, muted=True)
        self.hint.grid(row=1, column=0, sticky="ew", padx=PAD)
        # The buttons go under the text, not beside it: beside, they left the text a sliver of the column at 200 %.
        buttons = ctk.CTkFrame(frame, fg_color="transparent")
        buttons.grid(row=2, column=0, sticky="w", padx=PAD, pady=(4, 6))
        self.finish = button(buttons, "Finish it", self._finish, width=90)
        self.finish.pack(side="left")
        self.dismiss = button(buttons, "Dismiss", self._dismiss, width=80, fg_color="transparent", border_width=1,
                              text_color=("gray10", "gray90"))
        self.dismiss.pack(side="left", padx=(PAD // 2, 0))
        frame.bind("<Configure>", self._rewrap, add="+")
        self._wrap = 0

    @property
    def shown(self) -> bool:
        return self.run_id is not None

    def show(self, e: Unfinished, grid: Callable[[], Any]) -> None:
        assert e.run_id is not None
        self.run_id = e.run_id
        self.text.configure(text=f"Run {e.run_id} for this file did not finish ({e.written} of {e.total} "
                                 f"change{'s' if e.total != 1 else ''} written).")
        why = {"cancelled": "was cancelled", "stopped": "was stopped (Plex refused the token or was lost)"}.get(
            e.status, "was interrupted (the app closed or the computer stopped)")
        self.hint.configure(text=f"The run of {e.file} {why}. Finish writes only what is still missing: nothing "
                                 "is written twice.")
        grid()

    def hide(self) -> None:
        self.run_id = None
        self.frame.grid_remove()

    def set_busy(self, busy: bool) -> None:
        enable(self.finish, not busy)

    def _finish(self) -> None:
        if self.run_id is not None:
            self._on_finish(self.run_id)

    def _dismiss(self) -> None:
        if self.run_id is not None:
            run_id = self.run_id
            self.hide()
            self._on_dismiss(run_id)

    def _rewrap(self, event: tk.Event) -> None:
        scale = ctk.ScalingTracker.get_widget_scaling(self.frame)
        wrap = max(120, round((event.width - 3 * PAD * scale) / scale))
        if abs(wrap - self._wrap) > 4:
            self._wrap = wrap
            self.text.configure(wraplength=wrap)
            self.hint.configure(wraplength=wrap)
