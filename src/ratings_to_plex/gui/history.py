"""The History view: past runs from the journal, newest first; select one and undo it after an inline
confirmation that says how many items will be restored. Rows arrive ready-made from the worker (`history_rows`)."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import font as tkfont
from tkinter import ttk
from typing import Any, Final

import customtkinter as ctk

from .events import UndoPlanned
from .flow import Flow
from .history_rows import COLUMNS, HistoryRow
from .widgets import ERROR_COLOR, MUTED_COLOR, PAD, button, enable, focus_next, focus_prev, label, scrolled_tree

_STRETCH: Final[tuple[str, ...]] = ("File", "Server")  # these share what the others leave
_WARN_BG: Final = ("#fef3c7", "#3f3522")


class HistoryPanel:
    def __init__(self, tab: ctk.CTkFrame, *, on_refresh: Callable[[], Any], on_undo: Callable[[int], Any],
                 on_confirm: Callable[[int], Any], on_finish: Callable[[int], Any] | None = None) -> None:
        self.rows: list[HistoryRow] = []
        self._busy = False
        self._confirming: int | None = None
        self._fitted = 0
        self._wrap = 0
        self._on_undo, self._on_confirm = on_undo, on_confirm
        self._on_yes: Callable[[], Any] | None = None  # what the confirmation's button does when it is not an undo
        self.columns: tuple[str, ...] = COLUMNS  # those shown
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(1, weight=1)
        top = ctk.CTkFrame(tab, fg_color="transparent")
        top.grid(row=0, column=0, sticky="ew", padx=4)
        top.grid_columnconfigure(0, weight=1)
        self.summary = label(top, "Past runs, newest first.", muted=True)
        self.summary.grid(row=0, column=0, sticky="ew")
        self.refresh = button(top, "Refresh", on_refresh, width=80, fg_color="transparent", border_width=1,
                              text_color=("gray10", "gray90"))
        self.refresh.grid(row=0, column=1, sticky="e")

        holder = tk.Frame(tab, highlightthickness=0, borderwidth=0)
        holder.grid(row=1, column=0, sticky="nsew", padx=4, pady=(6, 4))
        holder.grid_columnconfigure(0, weight=1)
        holder.grid_rowconfigure(0, weight=1)
        self.holder = holder
        self.tree, self.xscroll = scrolled_tree(holder, [(name, name, 60, 30, False) for name in COLUMNS])
        self.tree.bind("<Configure>", lambda e: self._fit(e.width), add="+")
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._selected(), add="+")
        for sequence, move in (("<Tab>", focus_next), ("<Shift-Tab>", focus_prev), ("<ISO_Left_Tab>", focus_prev)):
            self.tree.bind(sequence, move)

        self.detail = label(tab, "Select a run to read it in full or undo it.", size=12, muted=True)
        self.detail.grid(row=2, column=0, sticky="ew", padx=4)
        actions = ctk.CTkFrame(tab, fg_color="transparent")
        actions.grid(row=3, column=0, sticky="ew", padx=4, pady=(6, 4))
        self.undo = button(actions, "Undo this run", self._undo, width=150, state="disabled")
        # An interrupted run (cancelled, stopped, or the app closed mid-run) can be finished from here any time,
        # not only from the banner shown when its file is chosen again.
        self._on_finish = on_finish
        self.finish = button(actions, "Finish this run", self._finish, width=150, state="disabled")
        self.actions = Flow(actions, [self.undo, self.finish], PAD)  # wraps at large interface sizes

        # The confirmation, inline: what will be restored, and the two choices.
        self.confirm = ctk.CTkFrame(tab, corner_radius=6, fg_color=_WARN_BG)
        self.confirm.grid_columnconfigure(0, weight=1)
        self.confirm_text = label(self.confirm, "", bold=True)
        self.confirm_text.grid(row=0, column=0, columnspan=3, sticky="ew", padx=PAD, pady=(6, 0))
        self.confirm_note = label(self.confirm, "", size=12, muted=True)
        self.confirm_note.grid(row=1, column=0, columnspan=3, sticky="ew", padx=PAD)
        self.restore = button(self.confirm, "Restore", self._confirmed, width=150)
        self.restore.grid(row=2, column=0, sticky="w", padx=PAD, pady=6)
        self.keep = button(self.confirm, "Keep as is", self.hide_confirm, width=100, fg_color="transparent",
                           border_width=1, text_color=("gray10", "gray90"))
        self.keep.grid(row=2, column=1, sticky="e", padx=(0, PAD), pady=6)
        tab.bind("<Configure>", self._rewrap, add="+")

    # -- content ---------------------------------------------------------------------------------------------
    def show(self, rows: tuple[HistoryRow, ...]) -> None:
        """Fill the table (keeping the selected run selected)."""
        keep = self.selected()
        self.rows = list(rows)
        self.tree.delete(*self.tree.get_children())
        for row in self.rows:
            self.tree.insert("", "end", iid=str(row.run_id), values=row.values(),
                             tags=() if row.undoable else ("muted",))
        n = len(self.rows)
        servers = {r.server for r in self.rows}
        where = f" on {next(iter(servers))}" if len(servers) == 1 and "" not in servers else ""
        finish = " (or finish an interrupted one)" if any(r.finishable for r in self.rows) else ""
        self.summary.configure(text=f"{n} run{'s' if n != 1 else ''}{where}, newest first. Select one to undo it"
                                    f"{finish}."
                               if n else "No runs yet: every run you start is listed here, and can be undone.")
        self._fitted = 0
        self._fit()
        if keep is not None and self.tree.exists(str(keep.run_id)):
            self.tree.selection_set(str(keep.run_id))
        self._selected()

    def table(self) -> list[tuple[str, ...]]:
        """What the table shows now (for tests)."""
        return [tuple(str(v) for v in self.tree.item(i, "values")) for i in self.tree.get_children()]

    def select(self, run_id: int) -> None:
        self.tree.selection_set(str(run_id))
        self.tree.see(str(run_id))
        self._selected()

    def selected(self) -> HistoryRow | None:
        chosen = self.tree.selection()
        return next((r for r in self.rows if chosen and str(r.run_id) == chosen[0]), None)

    def _selected(self) -> None:
        row = self.selected()
        if row is None:
            self.detail.configure(text="Select a run to read it in full or undo it.", text_color=MUTED_COLOR)
        else:
            self.detail.configure(text=row.detail + (f". {row.blocker}" if row.blocker else ""),
                                  text_color=MUTED_COLOR)
        if self._confirming is not None and (row is None or row.run_id != self._confirming):
            self.hide_confirm()
        self._update_button()

    def _update_button(self) -> None:
        row = self.selected()
        enable(self.undo, row is not None and row.undoable and not self._busy and self._confirming is None)
        enable(self.finish, row is not None and row.finishable and not self._busy and self._on_finish is not None)

    def _finish(self) -> None:
        row = self.selected()
        if row is not None and row.finishable and self._on_finish is not None:
            self._on_finish(row.run_id)

    # -- undo ------------------------------------------------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        """While something reads or writes Plex, no undo can start (nor be confirmed)."""
        self._busy = busy
        self._update_button()
        enable(self.restore, not busy)

    def _undo(self) -> None:
        row = self.selected()
        if row is not None and row.undoable:
            self.detail.configure(text=f"Reading what run {row.run_id} changed…", text_color=MUTED_COLOR)
            self._on_undo(row.run_id)

    def ask(self, e: UndoPlanned) -> None:
        """Show how many items the undo restores, with Restore / Keep as is."""
        self._confirming = e.run_id
        n = e.restores
        if n:
            self.confirm_text.configure(text=f"Undo run {e.run_id}? {n} item{'s' if n != 1 else ''} will be restored "
                                             f"on {e.server}, as {'they were' if n != 1 else 'it was'} before the run.")
            self.restore.configure(text=f"Restore {n} Item{'s' if n != 1 else ''}")
            self.restore.grid()
            self.keep.configure(text="Keep as is")
        else:
            self.confirm_text.configure(text=f"Nothing to restore: every item run {e.run_id} changed is already "
                                             "as before, or was changed since.")
            self.restore.grid_remove()
            self.keep.configure(text="Close")
        notes = []
        if e.already:
            notes.append(f"{e.already} already as before.")
        if e.skipped:
            shown = "; ".join(e.skipped[:3]) + (f"; and {len(e.skipped) - 3} more" if len(e.skipped) > 3 else "")
            notes.append(f"{len(e.skipped)} changed since the run and will be left alone ({shown}).")
        self.confirm_note.configure(text=" ".join(notes))
        if notes:
            self.confirm_note.grid()
        else:
            self.confirm_note.grid_remove()
        self.confirm.grid(row=4, column=0, sticky="ew", padx=4, pady=(2, 4))
        self.detail.configure(text=next((r.detail for r in self.rows if r.run_id == e.run_id), ""))
        self._update_button()
        (self.restore if n else self.keep)._canvas.focus_set()

    def offer_move_aside(self, message: str, on_move: Callable[[], Any]) -> None:
        """A damaged run journal: say which file, and offer to set it aside (it is kept; a new one starts)."""
        self.show_error(message)
        self._on_yes = on_move
        self.confirm_text.configure(text="The run journal is damaged: History and Undo cannot read it.")
        self.confirm_note.configure(text="Moving it aside keeps the damaged file, renamed, beside a new journal; "
                                         "previews work either way.")
        self.confirm_note.grid()
        self.restore.configure(text="Move It Aside")
        self.restore.grid()
        self.keep.configure(text="Not now")
        self.confirm.grid(row=4, column=0, sticky="ew", padx=4, pady=(2, 4))

    def _confirmed(self) -> None:
        if self._on_yes is not None:
            action = self._on_yes
            self.hide_confirm()
            action()
        elif self._confirming is not None:
            run_id = self._confirming
            self.hide_confirm()
            self._on_confirm(run_id)

    def hide_confirm(self) -> None:
        self._confirming = None
        self._on_yes = None
        self.confirm.grid_remove()
        self._update_button()

    def show_error(self, message: str) -> None:
        self.hide_confirm()
        self.detail.configure(text=message, text_color=ERROR_COLOR)

    # -- layout ----------------------------------------------------------------------------------------------
    def _fit(self, width: int | None = None) -> None:
        """Every column as wide as its longest text, File and Server sharing what is left. When the table is too
        narrow, it gives up, in turn: the Server column (one server: named above the table), the Failed column
        (no failure: said in the line below), the time of day, then cuts file names in the middle; a horizontal
        scroll bar only when even that is not enough. Only a change of the table's width refits."""
        total = width if width is not None else self.tree.winfo_width()
        if total < 50 or (width is not None and abs(total - self._fitted) <= 2):
            return
        self._fitted = total
        scale: float = ctk.ScalingTracker.get_widget_scaling(self.tree)
        style = ttk.Style(self.tree)
        font = tkfont.Font(root=self.tree, font=style.lookup("R2P.Treeview", "font"))
        head = tkfont.Font(root=self.tree, font=style.lookup("R2P.Treeview.Heading", "font"))
        pad, floor = round(12 * scale), round(90 * scale)

        def need(name: str, texts: list[str]) -> int:
            return max([head.measure(name), *map(font.measure, texts)]) + pad

        needs = {name: need(name, [r.values()[n] for r in self.rows]) for n, name in enumerate(COLUMNS)}
        days = need("Date", [r.day for r in self.rows])
        optional = [("Server", len({r.server for r in self.rows}) <= 1),
                    ("Failed", not any(r.failed for r in self.rows))]
        shown, short = list(COLUMNS), False
        for name, can in optional:
            if can and sum(needs[c] for c in shown) > total:
                shown.remove(name)
        if sum(needs[c] for c in shown) > total:
            short, needs["Date"] = True, days
        self.columns = tuple(shown)
        self.tree.configure(displaycolumns=self.columns)
        stretch = [name for name in _STRETCH if name in shown]
        room = total - sum(needs[c] for c in shown if c not in stretch) - 2
        wanted = sum(needs[name] for name in stretch)
        if wanted <= room:
            widths = {name: needs[name] + (room - wanted) // len(stretch) for name in stretch}
        else:  # shrink them in proportion to their need, never below a readable minimum
            widths = {name: max(floor, needs[name] * room // max(1, wanted)) for name in stretch}
        for name in shown:
            self.tree.column(name, width=widths.get(name, needs[name]))
        for row in self.rows:  # a cut name keeps its end (".csv", "4K"): "sample_im…ratings.csv"
            iid = str(row.run_id)
            self.tree.set(iid, "Date", row.day if short else row.date)
            for name, w in widths.items():
                self.tree.set(iid, name, _elide(row.values()[COLUMNS.index(name)], w - pad, font))
        if sum(widths.values()) > room:
            self.xscroll.grid()
        else:
            self.xscroll.grid_remove()

    def refit(self) -> None:
        self._fitted = 0
        self._fit()

    def _rewrap(self, event: tk.Event) -> None:
        scale = ctk.ScalingTracker.get_widget_scaling(self.tree)
        wrap = max(100, round((event.width - 24) / scale))
        if abs(wrap - self._wrap) > 4:
            self._wrap = wrap
            for widget, less in ((self.summary, 90), (self.detail, 0), (self.confirm_text, 30),
                                 (self.confirm_note, 30)):
                widget.configure(wraplength=wrap - less)


def _elide(text: str, width: int, font: tkfont.Font) -> str:
    """`text` cut in the middle with "…" to fit `width` pixels (unchanged when it fits)."""
    if font.measure(text) <= width:
        return text
    keep = len(text) - 1
    while keep > 2:
        head = (keep + 1) // 2 + keep // 6
        short = text[:head] + "…" + text[len(text) - (keep - head):]
        if font.measure(short) <= width:
            return short
        keep -= 1
    return text[:1] + "…"
