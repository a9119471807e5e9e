"""History's "Open unmatched CSV" / "Open run log" for the selected run, and "Restore from backup…" (issue 15):
choose a JSON backup (Export's "JSON backup"), see in the Preview table what restoring it changes, then Update
writes it — journaled as a restore, undoable in History.

The backup becomes the form's file, so the plan the worker makes (`RestoreJobs.restore_preview`) is the window's
current plan and the ordinary Update writes it; changing the file, server or options drops it, as for any preview.
"""

from __future__ import annotations

from pathlib import Path
from tkinter import filedialog
from typing import TYPE_CHECKING, Any, Final

import customtkinter as ctk

from .flow import Flow
from .restore_jobs import ReportsFound
from .right import PREVIEW_TAB
from .widgets import MUTED_COLOR, PAD, button, enable

if TYPE_CHECKING:
    from .app import App

GRID_ROW: Final = 5  # History's rows: 3 its buttons, 4 the undo question


class HistoryExtras:
    """A row under History's buttons: the selected run's reports (still on disk: asked of a worker when a run is
    selected) and "Restore from backup…" (here: the left column's tabs have no room left)."""

    def __init__(self, tab: Any, history: Any) -> None:
        self.history = history
        self.paths: dict[str, Path] = {}
        self.frame = ctk.CTkFrame(tab, fg_color="transparent")
        self.frame.grid(row=GRID_ROW, column=0, sticky="ew", padx=4, pady=(0, 4))
        self.open_csv = button(self.frame, "Open unmatched CSV", lambda: self._open("unmatched_csv"), width=136,
                               state="disabled")
        self.open_log = button(self.frame, "Open run log", lambda: self._open("run_log"), width=96,
                               state="disabled")
        self.restore = button(self.frame, "Restore from backup…", lambda: self._choose(tab), width=170)
        # One row where they fit with gaps (Restore at its right end), else wrapped: at 150 % and 200 % they
        # touched, or ran off the window's edge.
        self.flow = Flow(self.frame, [self.open_csv, self.open_log, self.restore], PAD // 2, trailing=True)
        history.tree.bind("<<TreeviewSelect>>", lambda _e: self._selected(), add="+")

    def _selected(self) -> None:
        row = self.history.selected()
        self.show(row.run_id if row is not None else None, {})
        if row is not None:
            self.history.tree.winfo_toplevel().controller.find_reports(row.run_id)

    def show(self, run_id: int | None, paths: dict[str, Path]) -> None:
        row = self.history.selected()
        self.paths = paths if row is not None and row.run_id == run_id else {}
        enable(self.open_csv, "unmatched_csv" in self.paths)
        enable(self.open_log, "run_log" in self.paths)

    def _open(self, which: str) -> None:
        path = self.paths.get(which)
        if path is not None:
            self.history.tree.winfo_toplevel().opener(path)

    def _choose(self, tab: Any) -> None:
        app = tab.winfo_toplevel()
        path = filedialog.askopenfilename(
            parent=app, title="Choose a JSON backup made by Export (JSON backup)",
            initialdir=app.form.last_folder or str(Path.home()),
            filetypes=[("JSON backup", "*.json"), ("All files", "*")])
        if path:
            start_restore(app, Path(path))


def start_restore(app: App, path: Path) -> None:
    """Preview restoring `path` on the chosen server (the file dialog calls it; tests call it directly)."""
    app.form.last_folder = str(path.parent)
    app.form.source_path.set(str(path))  # the backup is the run's file: Update writes this plan
    app.source.detected.configure(text=f"JSON backup: restoring it makes the ratings what {path.name} says.",
                                  text_color=MUTED_COLOR)
    request = app.form.request()
    problem = request.problem()
    if problem is not None:
        app.set_status(problem, "error")
        return
    app.preview_panel.clear("Making the restore preview: reading the backup and your library…")
    app.show_tab(PREVIEW_TAB, app.right)
    if not app.controller.restore_preview(request):
        app.set_status("Busy: wait for the current step to finish, then choose the backup again.", "error")


def reports_found(app: App, e: ReportsFound) -> None:
    app.right_column.extras.show(e.run_id, e.paths)


HANDLERS: Final[dict[type, Any]] = {ReportsFound: reports_found}
