"""The Preview: the plan as a table (title, year, current → new, reason) with a filter, shown before anything
is written. Rows arrive ready-made from the worker and are inserted in chunks so the window never stalls."""

from __future__ import annotations

import functools
import tkinter as tk
from collections.abc import Callable
from tkinter import font as tkfont
from tkinter import ttk
from typing import Any, Final

import customtkinter as ctk

from ..app.rows import CATEGORIES, PreviewRow, counts
from .widgets import MUTED_COLOR, PAD, entry, focus_next, focus_prev, label, option_menu, scrolled_tree

COLUMNS: Final = (("title", "Title", 160, True), ("year", "Year", 44, False), ("current", "Current", 68, False),
                  ("new", "New", 68, False), ("reason", "Reason", 120, True))
_CHUNK: Final = 400  # rows inserted per event-loop turn


class PreviewPanel:
    def __init__(self, tab: ctk.CTkFrame) -> None:
        self.rows: list[PreviewRow] = []
        self.shown: list[PreviewRow] = []
        self._pending: list[PreviewRow] = []
        self._job: str | None = None
        self._fitted = 0
        self._needs = (160, 120)
        self._by_iid: dict[str, PreviewRow] = {}  # what each line of the table is, in full
        self._title_px = 10_000  # room for a title in its cell (set by `_fit_columns`)
        self._reclip_job: str | None = None
        self._cell_font: tkfont.Font | None = None
        self._em = 20.0
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(2, weight=1)
        self.summary = label(tab, "Press Preview (Ctrl+P) to see what would change — nothing is written.",
                             muted=True)
        self.summary.grid(row=0, column=0, sticky="ew", padx=4, pady=(0, 4))
        tab.bind("<Configure>", self._rewrap, add="+")  # the tab's width is the window's, never the label's
        self._wrap = 0
        bar = ctk.CTkFrame(tab, fg_color="transparent")
        bar.grid(row=1, column=0, sticky="ew", padx=4)
        label(bar, "Show").pack(side="left")
        self.filter_var = tk.StringVar(tab, CATEGORIES[0][1])
        self.filter = option_menu(bar, self.filter_var, [name for _, name in CATEGORIES],
                                  command=lambda _v: self._refill(), width=170)
        self.filter.pack(side="left", padx=(PAD, 0))
        self.count = label(bar, "", muted=True)  # shown only while a search narrows the rows (the menu counts)
        self.search_var = tk.StringVar(tab, "")
        self.search_label = label(bar, "Search")  # CTk shows no placeholder in an entry with a variable
        self.search_label.pack(side="left", padx=(PAD, 6))
        self.search = entry(bar, self.search_var, width=60)
        self.search.pack(side="left", fill="x", expand=True)
        self.search_var.trace_add("write", lambda *_: self._refill())
        self._order: tuple[str, bool] | None = None  # (column, descending) after a click on a heading

        holder = tk.Frame(tab, highlightthickness=0, borderwidth=0)
        holder.grid(row=2, column=0, sticky="nsew", padx=4, pady=(6, 4))
        holder.grid_columnconfigure(0, weight=1)
        holder.grid_rowconfigure(0, weight=1)
        self.holder = holder
        self.tree, self.xscroll = scrolled_tree(holder, [(k, h, w, 40, stretch) for k, h, w, stretch in COLUMNS])
        for key, heading, _w, _s in COLUMNS:  # a click on a heading sorts by it; a second click reverses
            self.tree.heading(key, text=heading, command=functools.partial(self.sort_by, key))
        self.detail = label(tab, "", size=12, muted=True)
        self.detail.grid(row=3, column=0, sticky="ew", padx=4)
        self.tree.bind("<Configure>", lambda e: self._fit_columns(e.width), add="+")
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._selected(), add="+")
        self.tree.bind("<Tab>", focus_next)
        self.tree.bind("<Shift-Tab>", focus_prev)
        self.tree.bind("<ISO_Left_Tab>", focus_prev)
        self.restyle()

    def restyle(self) -> None:
        """Colours and sizes for the current theme and widget scaling (ttk does not follow CTk by itself)."""
        self._cell_font, self._title_px = None, -100  # another font size: the titles are clipped again
        scale = ctk.ScalingTracker.get_widget_scaling(self.tree)
        dark = ctk.get_appearance_mode() == "Dark"
        bg, fg, head, sel = (("#242424", "#e5e5e5", "#333333", "#1f538d") if dark else
                             ("#ffffff", "#1a1a1a", "#e6e6e6", "#3b8ed0"))
        style = ttk.Style(self.tree)
        if "clam" in style.theme_names():
            style.theme_use("clam")
        size = round(13 * scale)
        family = ctk.ThemeManager.theme["CTkFont"].get("family", "TkDefaultFont")
        # clam draws the table's frame in its own light colours: in Dark it was a white border round every table
        edge = "#3d3d3d" if dark else "#c4c4c4"
        style.configure("R2P.Treeview", background=bg, fieldbackground=bg, foreground=fg, borderwidth=0,
                        rowheight=round(24 * scale), font=(family, -size), bordercolor=edge, lightcolor=edge,
                        darkcolor=edge)
        style.configure("R2P.Treeview.Heading", background=head, foreground=fg, relief="flat",
                        font=(family, -size, "bold"), padding=(round(4 * scale), round(3 * scale)))
        style.map("R2P.Treeview", background=[("selected", sel)], foreground=[("selected", "#ffffff")])
        style.map("R2P.Treeview.Heading", background=[("active", head)])
        self.holder.configure(background=bg)
        self.tree.tag_configure("muted", foreground="#8a8a8a")
        self._fit_columns()

    def _fit_columns(self, width: int | None = None) -> None:
        """Scaled fixed widths for year and ratings; title and reason as wide as their longest text. Spare width
        goes to them; when the reasons need more than the table has, a horizontal scroll bar appears instead of
        cutting them (titles get at most half the room; the selected row is shown in full below). Only a change
        of the table's width refits: no resize feedback loop."""
        scale = ctk.ScalingTracker.get_widget_scaling(self.tree)
        total = width if width is not None else self.tree.winfo_width()
        if total < 50:  # not laid out yet: design widths
            total = round(sum(c[2] for c in COLUMNS) * scale)
        if abs(total - self._fitted) <= 2 and width is not None:
            return
        self._fitted = total
        fixed = {key: round(w * scale) for key, _h, w, stretch in COLUMNS if not stretch}
        pad = round(18 * scale)
        title, reason = (max(round(n) + pad, round(min_w * scale)) for n, min_w in zip(self._needs, (120, 90),
                                                                                        strict=True))
        room = total - sum(fixed.values()) - 2
        title = min(title, max(room // 2, round(160 * scale)))  # a very long title must not push the rest away
        spare = room - title - reason
        if spare > 0:
            title += spare * 6 // 10
            reason += spare - spare * 6 // 10
        for key, w in {**fixed, "title": title, "reason": reason}.items():
            self.tree.column(key, width=w, minwidth=min(w, round(30 * scale)), stretch=False)
        room_px = title - round(14 * scale)  # the cell's own padding
        if abs(room_px - self._title_px) > 4:
            self._title_px = room_px
            if self.tree.get_children() and self._reclip_job is None:
                self._reclip_job = self.tree.after_idle(self._reclip)
        if spare < 0:
            self.xscroll.grid()
        else:
            self.xscroll.grid_remove()

    def _measure(self, rows: list[PreviewRow]) -> None:
        """How wide the longest title and reason are (measuring the longest strings is enough)."""
        font = tkfont.Font(root=self.tree, font=ttk.Style(self.tree).lookup("R2P.Treeview", "font"))
        titles = sorted({r.title for r in rows}, key=len)[-40:]
        reasons = sorted({r.reason for r in rows}, key=len)[-40:]
        self._needs = (max((font.measure(t) for t in titles), default=100),
                       max((font.measure(t) for t in reasons), default=80))
        self._fitted = 0
        self._fit_columns()

    def _selected(self) -> None:
        chosen = self.tree.selection()
        if not chosen:
            self.detail.configure(text="")
            return
        title, year, current, new, reason = self._by_iid[chosen[0]].values()
        self.detail.configure(text=f"{title} ({year}): {current} → {new}. {reason}" if year else
                              f"{title}: {reason}")

    def _rewrap(self, event: tk.Event) -> None:
        scale = ctk.ScalingTracker.get_widget_scaling(self.tree)
        wrap = max(100, round((event.width - 24) / scale))
        if abs(wrap - self._wrap) > 4:
            self._wrap = wrap
            self.summary.configure(wraplength=wrap)
            self.detail.configure(wraplength=wrap)

    # -- content -------------------------------------------------------------------------------------------
    def show(self, rows: tuple[PreviewRow, ...], writes: int, where: str, dry_run: bool) -> None:
        self.rows = list(rows)
        n = counts(self.rows)
        verb = "would be written (dry run)" if dry_run else "will be written"
        self.summary.configure(text=f"{writes} change{'s' if writes != 1 else ''} {verb} to {where}. "
                                    f"{n['unchanged']} unchanged, {n['not_found']} not found, "
                                    f"{n['ambiguous']} ambiguous, {n['type_mismatch']} type mismatch.",
                               text_color=("gray10", "gray90"))
        self.filter.configure(values=[f"{name} ({n.get(key, 0)})" for key, name in CATEGORIES])
        self.filter_var.set(f"{CATEGORIES[0][1]} ({n[None]})")
        self._pending = []  # the previous table stops filling; the new one fills in turns of the event loop:
        self._schedule(self._measure_and_fill)  # measuring, then each chunk of rows (≈ 10 ms each at most)

    def _schedule(self, step: Callable[[], None]) -> None:
        self._cancel_job()
        self._job = self.tree.after(1, step)

    def _cancel_job(self) -> None:
        if self._job is not None:
            self.tree.after_cancel(self._job)
            self._job = None

    def _measure_and_fill(self) -> None:
        self._measure(self.rows)
        self._schedule(self._refill)

    def mark_stale(self, why: str) -> None:
        if self.rows:
            self.summary.configure(text=f"Out of date: {why}. Press Preview again.", text_color=MUTED_COLOR)

    def category(self) -> str | None:
        chosen = self.filter_var.get().rsplit(" (", 1)[0]
        return next((key for key, name in CATEGORIES if name == chosen), None)

    def _refill(self) -> None:
        self._cancel_job()
        self.tree.delete(*self.tree.get_children())
        self._by_iid.clear()
        self.detail.configure(text="Select a row to read it in full." if self.rows else "")
        key = self.category()
        words = self.search_var.get().casefold().split()
        self.shown = [r for r in self.rows if (key is None or r.category == key)
                      and all(w in f"{r.title} {r.year} {r.reason}".casefold() for w in words)]
        if self._order is not None:
            column, descending = self._order
            self.shown.sort(key=lambda r: _sort_key(getattr(r, column)), reverse=descending)
            empty = [r for r in self.shown if _sort_key(getattr(r, column))[0] == 2]
            self.shown = [r for r in self.shown if _sort_key(getattr(r, column))[0] != 2] + empty  # last
        self._pending = list(self.shown)
        self.count.configure(text=f"{len(self.shown)} row{'s' if len(self.shown) != 1 else ''}")
        if words:
            self.count.pack(side="left", padx=PAD, before=self.search_label)
        else:
            self.count.pack_forget()
        self._insert_some()

    def sort_by(self, column: str) -> None:
        """Sort the table by a column (numbers as numbers; empty last); again the same column: the other way."""
        descending = self._order == (column, False)
        self._order = (column, descending)
        for key, heading, _w, _s in COLUMNS:
            arrow = (" ▼" if descending else " ▲") if key == column else ""
            self.tree.heading(key, text=heading + arrow)
        self._refill()

    def _insert_some(self) -> None:
        chunk, self._pending = self._pending[:_CHUNK], self._pending[_CHUNK:]
        for row in chunk:
            iid = self.tree.insert("", "end", values=self._shown_values(row),
                                   tags=() if row.category == "update" else ("muted",))
            self._by_iid[iid] = row
        self._job = self.tree.after(1, self._insert_some) if self._pending else None  # None: the table is full

    def _shown_values(self, row: PreviewRow) -> tuple[str, ...]:
        """The row as its cells show it: a title wider than its column ends in "…" (ttk would just cut it; the
        selected row is shown in full below the table)."""
        values = row.values()
        self._font()
        fits = max(4, int(self._title_px / self._em))  # by an average letter: measuring each title costs
        if len(values[0]) <= fits:                      # ~0.4 ms (Xft), seconds for a big export
            return values
        return (values[0][: fits - 1].rstrip() + "…", *values[1:])

    def _font(self) -> tkfont.Font:
        if self._cell_font is None:
            self._cell_font = tkfont.Font(root=self.tree, font=ttk.Style(self.tree).lookup("R2P.Treeview", "font"))
            sample = "The Lord of the Rings: Fellowship, Crouching Tiger (Hidden Dragon) 2001"
            self._em = max(1.0, self._cell_font.measure(sample) / len(sample) * 1.1)  # a little wide: safe side
        return self._cell_font

    def _reclip(self) -> None:
        """The title column changed width: re-clip the titles shown (only those that change are touched)."""
        self._reclip_job = None
        for iid, row in self._by_iid.items():
            shown = self._shown_values(row)
            if self.tree.exists(iid) and self.tree.set(iid, "title") != shown[0]:
                self.tree.set(iid, "title", shown[0])

    def table(self) -> list[tuple[str, ...]]:
        """The rows the table shows now, in full (for tests and the self-test)."""
        return [self._by_iid[i].values() for i in self.tree.get_children()]

    def clear(self, text: str) -> None:
        self.rows = []
        self.filter.configure(values=[name for _, name in CATEGORIES])
        self.filter_var.set(CATEGORIES[0][1])
        self._refill()
        self.summary.configure(text=text, text_color=MUTED_COLOR)

    def pending(self) -> bool:
        return self._job is not None

    def focus(self) -> Any:
        return self.tree.focus_set()


def _sort_key(value: str) -> tuple[int, float, str]:
    """Ratings ("8 (4.0★)", "unrated", "—") and years sort by their number; titles and reasons as text."""
    head = value.split(" ", 1)[0]
    try:
        return (0, float(head), "")
    except ValueError:
        return (1 if value.strip(" —") else 2, 0.0, value.casefold())

