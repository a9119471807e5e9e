"""The "Several libraries…" check list: a small panel over the window, under the library menu, with a check box
per library. It takes no room in the Login tab; Done applies, Cancel or Esc leaves the choice as it was.

Built once and reused: its check boxes (and their variables and fonts) are never destroyed, because a Tk variable
or font collected later by the garbage collector in a worker thread would call Tk from that thread.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any, Final

import customtkinter as ctk

from .widgets import ERROR_COLOR, PAD, button, check, label

_PER_COLUMN: Final = 7  # more libraries than this: a second (third…) column


class LibraryPicker:
    def __init__(self, root: ctk.CTk, on_done: Callable[[tuple[str, ...]], Any],
                 on_cancel: Callable[[], Any]) -> None:
        self.root = root
        self.on_done = on_done
        self.on_cancel = on_cancel
        self.frame: ctk.CTkFrame | None = None
        self.names: list[str] = []
        self.boxes: dict[str, ctk.CTkCheckBox] = {}  # the shown ones, by library
        self._pool: list[tuple[ctk.CTkCheckBox, tk.BooleanVar]] = []
        self.is_open = False

    def _build(self) -> ctk.CTkFrame:
        frame = ctk.CTkFrame(self.root, border_width=1, border_color=("gray55", "gray45"),
                             fg_color=("gray92", "gray17"))
        label(frame, "Search these libraries", bold=True).grid(row=0, column=0, columnspan=2, sticky="w",
                                                              padx=PAD, pady=(PAD - 2, 2))
        self.list = ctk.CTkFrame(frame, fg_color="transparent")
        self.list.grid(row=1, column=0, columnspan=2, sticky="w")
        self.note = label(frame, "Tick at least one library.", size=12, text_color=ERROR_COLOR)
        self.note.grid(row=2, column=0, columnspan=2, sticky="w", padx=PAD)
        self.note.grid_remove()
        self.done = button(frame, "Done", self.apply, width=80)
        self.done.grid(row=3, column=0, sticky="w", padx=PAD, pady=(6, PAD))
        self.cancel = button(frame, "Cancel", self.dismiss, width=80, fg_color="transparent", border_width=1,
                             text_color=("gray10", "gray90"))
        self.cancel.grid(row=3, column=1, sticky="e", padx=(PAD, PAD), pady=(6, PAD))
        for widget in (self.done, self.cancel):
            widget._canvas.bind("<Escape>", self._escape)
        return frame

    def _box(self, n: int) -> tuple[ctk.CTkCheckBox, tk.BooleanVar]:
        while len(self._pool) <= n:
            var = tk.BooleanVar(self.root, False)
            box = check(self.list, "", var)
            box._canvas.bind("<Escape>", self._escape)
            self._pool.append((box, var))
        return self._pool[n]

    def open(self, anchor: Any, libraries: list[str], chosen: tuple[str, ...]) -> None:
        """Show the list under `anchor` (the library menu), the current choice ticked."""
        frame = self.frame = self.frame or self._build()
        self.names = list(libraries)
        self.boxes = {}
        for box, var in self._pool[len(libraries):]:
            box.grid_remove()
            var.set(False)
        for n, name in enumerate(libraries):
            box, var = self._box(n)
            box.configure(text=name)
            var.set(name in chosen)
            box.grid(row=n % _PER_COLUMN, column=n // _PER_COLUMN, sticky="w", padx=PAD, pady=3)
            self.boxes[name] = box
        self.note.grid_remove()
        frame.place(in_=anchor, x=0, rely=1.0, y=4)
        frame.lift()
        self.is_open = True
        if self.boxes:
            next(iter(self.boxes.values()))._canvas.focus_set()

    def chosen(self) -> tuple[str, ...]:
        return tuple(name for n, name in enumerate(self.names) if self._pool[n][1].get())

    def apply(self) -> None:
        names = self.chosen()
        if not names:
            self.note.grid()
            return
        self.close()
        self.on_done(names)

    def dismiss(self) -> None:
        if self.is_open:
            self.close()
            self.on_cancel()

    def _escape(self, _event: tk.Event) -> str:
        self.dismiss()
        return "break"  # not the window's Esc (cancel a run)

    def close(self) -> None:
        if self.frame is not None and self.is_open:
            self.frame.place_forget()
        self.is_open = False
