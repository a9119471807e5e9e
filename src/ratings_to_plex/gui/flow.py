"""Rows of buttons that wrap: left to right, a new row where the next button would not fit (150 % and 200 % interface
sizes on a small screen cut History's buttons off at the window's edge)."""

from __future__ import annotations

from typing import Any

import customtkinter as ctk


class Flow:
    """Lays `widgets` (children of `frame`) out in rows inside `frame`, again whenever its width changes.

    Each row is a transparent frame the buttons are packed into (`in_`); the buttons stay children of `frame`, so
    nothing else about them changes. `trailing` puts the last widget at the right end of the first row when all fit
    (History's "Restore from backup…"); on its own row it starts at the left like the others.
    """

    def __init__(self, frame: Any, widgets: list[Any], gap: int, *, trailing: bool = False) -> None:
        self.frame, self.widgets, self.gap, self.trailing = frame, widgets, gap, trailing
        self.rows: list[Any] = []
        self.layout: list[int] | None = None
        self.place()
        frame.bind("<Configure>", lambda _e: self.place(), add="+")

    def rows_for(self, width: int) -> list[int]:
        """The row of each widget at this width (all on one row before the frame has a width)."""
        layout, row, used = [], 0, 0
        for widget in self.widgets:
            need = widget.winfo_reqwidth()
            if used and width > 1 and used + self.gap + need > width:
                row, used = row + 1, 0
            used += need + (self.gap if used else 0)
            layout.append(row)
        return layout

    def place(self) -> None:
        layout = self.rows_for(self.frame.winfo_width())
        if layout == self.layout:
            return
        self.layout = layout
        while len(self.rows) <= max(layout):
            row = ctk.CTkFrame(self.frame, fg_color="transparent", corner_radius=0, height=1)
            self.rows.append(row)
        for i, row in enumerate(self.rows):
            if i <= max(layout):
                row.pack(side="top", fill="x", pady=(self.gap // 2 if i else 0, 0))
            else:
                row.pack_forget()
        for i, (widget, r) in enumerate(zip(self.widgets, layout, strict=True)):
            right = self.trailing and i == len(self.widgets) - 1 and r == 0 and i > 0
            first_in_row = i == 0 or layout[i - 1] != r
            widget.pack(in_=self.rows[r], side="right" if right else "left",
                        padx=(0 if first_in_row or right else self.gap, 0))
            widget.lift()  # above its row frame, which was made after it
