"""History's "Restore from backup…" (issue 15): choose a JSON backup (Export's "JSON backup"), see in the
Preview table what restoring it changes, then Update writes it — journaled as a restore, undoable in History.

The backup becomes the form's file, so the plan the worker makes (`RestoreJobs.restore_preview`) is the window's
current plan and the ordinary Update writes it; changing the file, server or options drops it, as for any preview.
"""

from __future__ import annotations

from pathlib import Path
from tkinter import filedialog
from typing import TYPE_CHECKING, Any

from .right import PREVIEW_TAB
from .widgets import MUTED_COLOR, PAD, button

if TYPE_CHECKING:
    from .app import App


class RestoreButton:
    """History's "Restore from backup…" (beside Undo: the left column's tabs have no room left)."""

    def __init__(self, actions: Any) -> None:
        self.button = button(actions, "Restore from backup…", lambda: self._choose(actions), width=170)
        self.button.pack(side="left", padx=(PAD, 0))

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
