"""The Source tab's "Read as" menu (issue 13): a format chosen by hand for when detection guesses wrong — the same
choice as the web UI's file step and the CLI's `sync --format`.

"Detect automatically" (the default) reads as before. Another entry makes the engine read only with that format's
reader (`AppSession.read(format=…)`): the chosen file is read again at once, and a file that does not fit is
refused on the Source tab with the readers' one-line message (file, line, problem). The choice stays for the next
file too, as a menu's value does.

The menu made the Source tab taller than the left column at 150 % and 200 % on a small screen, so the tab's
content scrolls (`scrolled`): nothing on it is ever out of reach.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Protocol

import customtkinter as ctk

from ..app import SOURCE_FORMATS
from .form import Form
from .widgets import PAD, label, option_menu

DETECT: Final = "Detect automatically"
ROW: Final = 10  # the Source tab's last grid row (SourceTab uses 0-8: the file, then Export and its links)
_BY_LABEL: Final = {label_: name for name, label_ in SOURCE_FORMATS}


class FormatSetting(Protocol):
    """Where the choice goes: the controller's engine (`Engine`, or `remote`'s stand-in that forwards it)."""

    source_format: str | None


def scrolled(tab: ctk.CTkFrame) -> ctk.CTkScrollableFrame:
    """A transparent vertically scrolling frame filling `tab`, to build the tab's content in."""
    tab.grid_columnconfigure(0, weight=1)
    tab.grid_rowconfigure(0, weight=1)
    frame = ctk.CTkScrollableFrame(tab, fg_color="transparent")
    frame.grid(row=0, column=0, sticky="nsew")
    frame.bind("<Configure>", lambda _e: _fit_wraps(frame), add="+")
    return frame


def _fit_wraps(frame: Any) -> None:
    """Narrow every wrapped label of `frame` to the room it has: the labels wrap at a fixed width (CTk scales it
    with the interface size), which at 200 % is wider than the tab — the text ran under the scrollbar, cut off."""
    scale = ctk.ScalingTracker.get_widget_scaling(frame)
    width, left = frame.winfo_width(), frame.winfo_rootx()
    if width <= 1:  # not laid out yet
        return
    todo = list(frame.winfo_children())
    while todo:
        widget = todo.pop()
        todo += widget.winfo_children()
        if not isinstance(widget, ctk.CTkLabel):
            continue
        wanted = getattr(widget, "r2p_wrap", None)
        if wanted is None:  # the wrap it was made with: the most it may have
            wanted = widget.r2p_wrap = widget.cget("wraplength")
        room = max(100, int((width - (widget.winfo_rootx() - left) - 12) / scale))
        if wanted and min(wanted, room) != widget.cget("wraplength"):
            widget.configure(wraplength=min(wanted, room))


class FormatMenu:
    """`Read as [Detect automatically ▾]` on the Source tab; `reload(path)` reads the current file again."""

    def __init__(self, tab: ctk.CTkFrame, engine: FormatSetting, form: Form, reload: Callable[[Path], Any], *,
                 row: int = ROW) -> None:
        self.engine, self.source_path, self.reload = engine, form.source_path, reload
        self.frame = ctk.CTkFrame(tab, fg_color="transparent")
        self.frame.grid(row=row, column=0, sticky="w", padx=PAD, pady=(PAD, 0))
        label(self.frame, "Read as").grid(row=0, column=0, sticky="w")
        self.choice = tk.StringVar(tab, DETECT)
        self.menu = option_menu(self.frame, self.choice, [DETECT, *_BY_LABEL], command=self._chosen, width=230,
                                dynamic_resizing=False)
        self.menu.grid(row=0, column=1, sticky="w", padx=(8, 0))

    @property
    def format(self) -> str | None:
        """The chosen format's name, None for "Detect automatically"."""
        return _BY_LABEL.get(self.choice.get())

    def _chosen(self, _value: str) -> None:
        self.engine.source_format = self.format
        path = self.source_path.get()
        if path:
            self.reload(Path(path))
