"""Small building blocks shared by the tabs: keyboard access for CTk widgets, the log panel, opening files."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tkinter as tk
from collections.abc import Callable, Sequence
from pathlib import Path
from tkinter import font as tkfont
from tkinter import ttk
from typing import Any, Final

import customtkinter as ctk

from .ctk_fixes import keep_hidden_on_rescale
from .ctk_speed import speed_up_ctk

PAD: Final = 10
FOCUS_COLOR: Final = ("#d97706", "#fbbf24")  # amber: readable on both themes, unlike the blue buttons
ERROR_COLOR: Final = ("#b91c1c", "#f87171")
OK_COLOR: Final = ("#15803d", "#4ade80")
STOP_COLOR: Final = ("#b91c1c", "#b91c1c")  # Cancel buttons: white text on a red dark enough in both themes
STOP_HOVER: Final = ("#7f1d1d", "#991b1b")  # (ERROR_COLOR's light Dark-theme red is for text, not a background)
MUTED_COLOR: Final = ("gray35", "gray70")
TAB_BAR: Final = ("gray86", "gray22")
DISABLED_FG: Final = ("gray82", "gray25")  # a disabled button looks disabled in both themes…
DISABLED_TEXT: Final = ("gray38", "gray62")  # …and its text stays readable on it (CTk's default all but vanishes)
_MAX_LOG_LINES: Final = 20_000
FIRST_HINT: Final = ("Every decision of a preview or a run appears here.\n\n"
                     "1. Login tab: sign in to Plex (or connect by URL + token) and choose a server and library.\n"
                     "2. Source tab: choose your ratings export (IMDb, Letterboxd, …).\n"
                     "3. Preview to review every change, then Update Plex Ratings. Every run can be undone in "
                     "History.")
_CONTROL: Final = 0x0004  # the Control bit of a Tk event's state


keep_hidden_on_rescale()
speed_up_ctk()  # no subprocess, no forced redraw on the Tk thread at every scroll (ctk_speed)


def keyboard(widget: Any, activate: Callable[[], Any], ring: dict[str, Any] | None = None) -> None:
    """Let Tab reach a CTk widget and Enter/space press it, with a visible focus ring.

    CTk draws its widgets on a canvas that never takes focus; we make that canvas focusable. `ring` are the
    options set while focused (restored after), e.g. a border for buttons.
    """
    canvas = getattr(widget, "_canvas", widget)
    canvas.configure(takefocus=1)

    def press(event: tk.Event) -> str | None:
        if int(event.state) & _CONTROL:
            return None  # Ctrl+Enter is the window's shortcut (update), not a press of this widget
        if str(widget.cget("state")) != "disabled":
            activate()
        return "break"

    for sequence in ("<Return>", "<KP_Enter>", "<space>"):
        canvas.bind(sequence, press)
    ring = ring if ring is not None else {"border_width": 2, "border_color": FOCUS_COLOR}
    if not ring:
        return
    normal = {key: widget.cget(key) for key in ring}
    canvas.bind("<FocusIn>", lambda _e: widget.configure(**ring), add="+")
    canvas.bind("<FocusOut>", lambda _e: widget.configure(**normal), add="+")


def tabview_keys(view: ctk.CTkTabview, names: tuple[str, ...], show: Callable[[str, Any], Any]) -> None:
    """Keyboard access to a tab view's tab bar, and a fix for CTk hiding the wrong tab."""
    # CTk's light theme writes the tab names in pale grey-blue on grey (contrast about 2:1): dark on light here,
    # light on dark in the Dark theme, and the chosen tab dark on its blue in Light (about 5:1 everywhere).
    view.configure(segmented_button_fg_color=TAB_BAR, segmented_button_unselected_color=TAB_BAR,
                   segmented_button_unselected_hover_color=("gray78", "gray30"), text_color=("gray10", "gray92"))
    # Tab moves through widgets in stacking order: put the tab bar just before the tabs' content.
    view._segmented_button.lower(view.tab(names[0]))
    # CTk hides the other tabs 100 ms after a switch, by the name switched to then: two quick switches
    # (e.g. Ctrl+O then Ctrl+2) would hide the current tab too. Never hide the current one.
    view._grid_forget_all_tabs = functools.partial(_forget_other_tabs, view)
    for name in names:
        keyboard(view._segmented_button._buttons_dict[name], functools.partial(show, name, view))


def _forget_other_tabs(view: ctk.CTkTabview, exclude_name: str | None = None) -> None:
    for name, frame in view._tab_dict.items():
        if name != view.get():
            frame.grid_forget()


def button(master: Any, text: str, command: Callable[[], Any], **kwargs: Any) -> ctk.CTkButton:
    enabled = kwargs.pop("state", "normal") != "disabled"
    kwargs.setdefault("text_color_disabled", DISABLED_TEXT)
    b = ctk.CTkButton(master, text=text, command=command, **kwargs)
    b.r2p_fg = b.cget("fg_color")
    keyboard(b, b.invoke)
    enable(b, enabled)
    return b


def enable(widget: Any, on: bool) -> None:
    """Enable or disable a button so that it also looks it (CTk only greys the text). One already in that state is
    left alone: a CTk `configure` redraws it (dozens of Tk calls), ~100 ms for the thirty the busy handler sets."""
    state = "normal" if on else "disabled"
    if widget.cget("state") == state:  # CTk answers from its own attribute: no Tk call
        return
    fg = getattr(widget, "r2p_fg", None)
    options: dict[str, Any] = {"state": state}
    if fg is not None and fg != "transparent":
        options["fg_color"] = fg if on else DISABLED_FG
    widget.configure(**options)


def guarded(action: Callable[[], Any], needs_asking: Callable[[], bool], ask: Callable[[], bool]) -> Callable[[], None]:
    """`action`, but while `needs_asking()` only once `ask()` said yes."""

    def run() -> None:
        if not needs_asking() or ask():
            action()

    return run


def confirm_close(parent: Any) -> bool:
    """The question before the window closes during a run (closing stops it)."""
    from tkinter import messagebox

    return bool(messagebox.askyesno(
        "Stop the run and close?", "Ratings are being written to Plex. Close anyway?\n\nThe writes already sent "
        "finish and are recorded; the rest are not written. You can finish the run later: History → Finish, or "
        "the banner at the next start.", parent=parent, icon="warning", default="no"))


def check(master: Any, text: str, variable: tk.Variable, **kwargs: Any) -> ctk.CTkCheckBox:
    c = ctk.CTkCheckBox(master, text=text, variable=variable, **kwargs)
    keyboard(c, c.toggle, {"border_color": FOCUS_COLOR})
    return c


def option_menu(master: Any, variable: tk.StringVar, values: list[str], **kwargs: Any) -> ctk.CTkOptionMenu:
    menu = ctk.CTkOptionMenu(master, variable=variable, values=values, **kwargs)
    keyboard(menu, menu._open_dropdown_menu, {"fg_color": FOCUS_COLOR, "button_color": FOCUS_COLOR,
                                              "text_color": ("black", "black")})
    _as_wide_as(menu)
    return menu


def _as_wide_as(menu: ctk.CTkOptionMenu) -> None:
    """CTk pads a drop-down's entries to 18 characters, so its list opened narrower than the field: pad each entry
    with spaces to the field's width instead (measured in the list's own font, at the current scaling)."""
    dropdown = menu._dropdown_menu

    def add_commands() -> None:
        dropdown.delete(0, "end")
        font = tkfont.Font(root=dropdown, font=dropdown.cget("font"))
        space = max(1, font.measure(" "))
        target = menu.winfo_width() if menu.winfo_width() > 1 else menu._apply_widget_scaling(menu._desired_width)
        for value in dropdown._values:
            pad = max(2, -(-(round(target) - font.measure(value)) // space))
            dropdown.add_command(label=f"  {value}" + " " * pad, command=lambda v=value: dropdown._button_callback(v),
                                 compound="left")

    opened = dropdown.open

    def open_padded(x: float, y: float) -> None:  # measured when opened: the field's width and scaling now
        add_commands()
        opened(x, y)

    dropdown._add_menu_commands = add_commands
    dropdown.open = open_padded
    add_commands()


def entry(master: Any, variable: tk.StringVar, **kwargs: Any) -> ctk.CTkEntry:
    e = ctk.CTkEntry(master, textvariable=variable, **kwargs)
    for sequence in ("<Control-a>", "<Control-A>"):  # select all, as everywhere else (Tk moves to the line start)
        e._entry.bind(sequence, _select_all_entry)
    normal = e.cget("border_color")
    e._entry.bind("<FocusIn>", lambda _e: e.configure(border_color=FOCUS_COLOR), add="+")
    e._entry.bind("<FocusOut>", lambda _e: e.configure(border_color=normal), add="+")
    return e


def _select_all_entry(event: Any) -> str:
    event.widget.select_range(0, "end")
    event.widget.icursor("end")
    return "break"


def _select_all_text(event: Any) -> str:
    event.widget.tag_add("sel", "1.0", "end-1c")
    return "break"


def label(master: Any, text: str = "", *, size: int | None = None, bold: bool = False, muted: bool = False,
          wrap: int = 0, **kwargs: Any) -> ctk.CTkLabel:
    font = ctk.CTkFont(size=size or 13, weight="bold" if bold else "normal")
    if muted:
        kwargs.setdefault("text_color", MUTED_COLOR)
    return ctk.CTkLabel(master, text=text, font=font, anchor="w", justify="left", wraplength=wrap, **kwargs)


def focus_next(event: tk.Event) -> str:
    nxt = event.widget.tk_focusNext()
    if nxt is not None:
        nxt.focus_set()
    return "break"


def focus_prev(event: tk.Event) -> str:
    prev = event.widget.tk_focusPrev()
    if prev is not None:
        prev.focus_set()
    return "break"


def scrolled_tree(holder: Any, columns: Sequence[tuple[str, str, int, int, bool]]) -> tuple[ttk.Treeview, Any]:
    """A one-selection table with a vertical scroll bar and a horizontal one that the caller shows when needed.

    `columns` are (key, heading, width, minwidth, stretch); returns the tree and its (hidden) horizontal scroll bar.
    """
    tree = ttk.Treeview(holder, columns=[c[0] for c in columns], show="headings", selectmode="browse",
                        style="R2P.Treeview")
    for key, heading, width, minwidth, stretch in columns:
        tree.heading(key, text=heading, anchor="w")
        tree.column(key, width=width, minwidth=minwidth, stretch=stretch, anchor="w")
    tree.grid(row=0, column=0, sticky="nsew")
    scroll = ctk.CTkScrollbar(holder, command=tree.yview)
    scroll.grid(row=0, column=1, sticky="ns")
    xscroll = ctk.CTkScrollbar(holder, command=tree.xview, orientation="horizontal")
    xscroll.grid(row=1, column=0, sticky="ew")
    xscroll.grid_remove()
    tree.configure(yscrollcommand=scroll.set, xscrollcommand=xscroll.set)
    return tree, xscroll


class LogPanel(ctk.CTkTextbox):
    """The read-only Activity Log: lines arrive in batches (one insert per poll) and the oldest are trimmed."""

    def __init__(self, master: Any, **kwargs: Any) -> None:
        super().__init__(master, wrap="word", font=ctk.CTkFont(family="TkFixedFont", size=12), **kwargs)
        self.configure(state="disabled")
        self.tag_config("warning", foreground="#d97706")
        self.tag_config("error", foreground="#dc2626")
        text = self._textbox
        text.bind("<Control-a>", _select_all_text)  # then Ctrl+C copies the whole log
        self.bind("<Configure>", lambda _e: self.see("end"), add="+")  # smaller (a banner came): still the end
        text.bind("<Control-A>", _select_all_text)
        text.bind("<Tab>", focus_next)
        text.bind("<Shift-Tab>", focus_prev)
        text.bind("<ISO_Left_Tab>", focus_prev)
        self.lines = 0
        self.tag_config("hint", foreground="gray50")
        self._hint = True
        self.configure(state="normal")
        self.insert("end", FIRST_HINT, ("hint",))
        self.configure(state="disabled")

    def append(self, batch: list[tuple[str, str]]) -> None:
        """Append (text, level) lines and keep the view at the end (the first line replaces the start-up hint)."""
        if not batch:
            return
        self.configure(state="normal")
        if self._hint:
            self.delete("1.0", "end")
            self._hint = False
        run: list[str] = []
        level = batch[0][1]
        for text, lvl in batch:
            if lvl != level:
                self._insert(run, level)
                run, level = [], lvl
            run.append(text)
        self._insert(run, level)
        self.lines += len(batch)
        if self.lines > _MAX_LOG_LINES:
            drop = self.lines - _MAX_LOG_LINES
            self.delete("1.0", f"{drop + 1}.0")
            self.lines -= drop
        self.configure(state="disabled")
        self.see("end")

    def _insert(self, lines: list[str], level: str) -> None:
        if lines:
            self.insert("end", "\n".join(lines) + "\n", () if level == "info" else (level,))

    def text(self) -> str:
        """What the runs logged (not the start-up hint)."""
        return "" if self._hint else str(self.get("1.0", "end-1c"))


def open_path(path: Path) -> None:
    """Show a file or folder in the system's default application, without waiting for it."""
    if sys.platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
