"""The window: tabs + action area | Activity Log, Preview, History, and a status bar. Tk is single-threaded: the
engine runs in its own process (`remote`); this class only updates widgets from its events, polled with `after()`.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
import time
import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from tkinter import filedialog
from typing import Any, Final

import customtkinter as ctk

from .. import __version__
from . import controller as c
from .action import ActionArea
from .events import CHECK
from .form import Form
from .format_menu import FormatMenu, scrolled
from .handlers import dispatch
from .login_tab import LoginTab
from .remote import RemoteController
from .right import HISTORY_TAB, LOG_TAB, PREVIEW_TAB, RIGHT_TABS, RightColumn
from .state import POLICY_LABELS, Remembered, scale_factor
from .tabs import FiltersTab, GeneralTab, OptionsTab, SourceTab
from .widgets import ERROR_COLOR, MUTED_COLOR, OK_COLOR, PAD, confirm_close, guarded, label, open_path, tabview_keys

log = logging.getLogger(__name__)

TITLE: Final = f"Ratings To Plex v{__version__}"
TAB_NAMES: Final = ("General", "Login", "Source", "Filters", "Options")
__all__ = ["HISTORY_TAB", "LOG_TAB", "PREVIEW_TAB", "TAB_NAMES", "TITLE", "App"]
BASE_SIZE: Final = (1000, 640)
MIN_SIZE: Final = (900, 600)
LEFT_WIDTH: Final = 412
POLL_MS: Final = 40
_POLL_BUDGET_S: Final = 0.025  # at most this long handling events per turn, so the window stays responsive
_STATUS_COLOR: Final = {"ok": OK_COLOR, "error": ERROR_COLOR, "busy": ("gray10", "gray90"), "info": MUTED_COLOR}


def _key(action: Callable[[], Any], _event: Any) -> str:
    action()
    return "break"  # handled: no other binding (e.g. a text box inserting a newline) sees it


class App(ctk.CTk):
    def __init__(self, controller: c.Controller | RemoteController | None = None) -> None:
        super().__init__()
        self.controller = controller or c.Controller()
        self.tk_thread = threading.get_ident()
        self.form = Form(self)
        self.remembered = Remembered()
        self.plan_key: tuple[Any, ...] | None = None
        self.plan_writes: int | None = None
        self.login_url: str | None = None
        self.dismissed: set[int] = set()  # unfinished runs whose banner was dismissed (this session)
        self.opener = open_path  # tests replace it
        self._close_deadline = float("inf")
        self.title(TITLE)
        self._build()
        self._bind_keys()
        self.form.on_change(self._form_changed)
        self.form.server.trace_add("write", lambda *_: self.check_unfinished())
        self.protocol("WM_DELETE_WINDOW", guarded(self.close, lambda: c.RUN in self.controller.busy,
                                                  lambda: confirm_close(self)))  # during a run, ask first
        self.size_window()
        self._poll_job: str | None = self.after(POLL_MS, self._poll)

    def remembered_settings(self) -> Remembered:
        """The choices to save: the server by its own name (a menu label may carry an address to tell two
        same-named servers apart; the command line's --server takes the name)."""
        remembered = self.form.remembered()
        remembered.server = self.login.server_name(remembered.server)
        return remembered

    # -- layout --------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.grid_columnconfigure(0, weight=0)
        self.grid_columnconfigure(1, weight=1)
        self.grid_rowconfigure(0, weight=1)
        left = ctk.CTkFrame(self, fg_color="transparent")
        left.grid(row=0, column=0, sticky="nsew", padx=(PAD, PAD // 2), pady=(PAD // 2, 0))
        left.grid_rowconfigure(0, weight=1)
        left.grid_columnconfigure(0, weight=1)
        self.tabs = ctk.CTkTabview(left, width=392, height=330)
        self.tabs.grid(row=0, column=0, sticky="nsew")
        for name in TAB_NAMES:
            self.tabs.add(name)
        self.general = GeneralTab(scrolled(self.tabs.tab("General")), self.form, __version__, self._on_theme,
                                  self._on_scale)
        self.login = LoginTab(scrolled(self.tabs.tab("Login")), self.form, on_sign_in=self.controller.sign_in,
                              on_cancel=self.controller.cancel_sign_in, on_sign_out=self.controller.sign_out,
                              on_connect=self._connect, on_open_link=self._open_link)
        self.source = SourceTab(scrolled(self.tabs.tab("Source")), self.form, self.choose_file,
                                lambda fmt, path: self.controller.export(self.form.request(), fmt, path))
        self.read_as = FormatMenu(self.source.choose.master, self.controller.engine, self.form, self.set_source)
        self.filters = FiltersTab(scrolled(self.tabs.tab("Filters")), self.form)
        self.options = OptionsTab(scrolled(self.tabs.tab("Options")), self.form, list(POLICY_LABELS.values()))
        self.tabs.set("Login")
        self.action = ActionArea(left, on_preview=self.preview, on_update=self.update_ratings,
                                 on_cancel=self.controller.cancel, on_open=lambda p: self.opener(p))
        self.action.frame.grid(row=1, column=0, sticky="ew", pady=(PAD // 2, 0))

        right = RightColumn(self, on_tab=self._right_tab_changed, on_refresh=self.controller.load_history,
                            on_undo=self.controller.plan_undo, on_confirm_undo=self._confirm_undo,
                            on_finish=self._finish_run, on_dismiss=self.dismissed.add)
        right.frame.grid(row=0, column=1, sticky="nsew", padx=(PAD // 2, PAD), pady=(PAD // 2, 0))
        self.right, self.right_column = right.tabs, right
        self.log_panel, self.preview_panel, self.history, self.banner = right.log, right.preview, right.history, \
            right.banner

        bar = ctk.CTkFrame(self, corner_radius=0, height=28)
        bar.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(PAD // 2, 0))
        bar.grid_columnconfigure(0, weight=1)
        self.status = label(bar, "Not signed in: start on the Login tab.", muted=True)
        self.status.grid(row=0, column=0, sticky="ew", padx=PAD, pady=2)
        bar.bind("<Configure>", self._rewrap_status, add="+")
        self._status_wrap = 0
        for tabview, names in ((self.tabs, TAB_NAMES), (self.right, RIGHT_TABS)):
            tabview_keys(tabview, names, self.show_tab)

    def size_window(self) -> None:
        """About 1000×640 at 100 %, grown with the widget scaling and to fit the content, never off screen."""
        widget = ctk.ScalingTracker.get_widget_scaling(self)
        window = ctk.ScalingTracker.get_window_scaling(self)
        self.grid_columnconfigure(0, minsize=round(LEFT_WIDTH * widget))  # steady, whatever the tab shows
        self.status.configure(wraplength=200)  # wrapped at the old width, it would hold the window that wide
        self.update_idletasks()
        screen_w, screen_h = self.winfo_screenwidth(), self.winfo_screenheight() - 40
        width = min(screen_w, max(round(BASE_SIZE[0] * widget), self.winfo_reqwidth()))
        height = min(screen_h, max(round(BASE_SIZE[1] * widget), self.winfo_reqheight()))
        self.minsize(round(min(width, MIN_SIZE[0] * widget) / window),
                     round(min(height, MIN_SIZE[1] * widget) / window))
        self.geometry(f"{round(width / window)}x{round(height / window)}")
        self.after_idle(lambda: self.status.configure(wraplength=max(200, self._status_wrap)))

    def _bind_keys(self) -> None:
        keys: list[tuple[str, Callable[[], Any]]] = [
            ("<Control-o>", self.choose_file), ("<Control-O>", self.choose_file),
            ("<Control-p>", self.preview), ("<Control-P>", self.preview),
            ("<Control-Return>", self.update_ratings), ("<Control-KP_Enter>", self.update_ratings),
            ("<Escape>", self.controller.cancel),
        ]
        keys += [(f"<Control-Key-{n}>", functools.partial(self.show_tab, name)) for n, name in enumerate(TAB_NAMES, 1)]
        for sequence, action in keys:
            self.bind_all(sequence, functools.partial(_key, action))

    def show_tab(self, name: str, view: ctk.CTkTabview | None = None) -> None:
        (view or self.tabs).set(name)
        if view is self.right:
            self._right_tab_changed()

    def _right_tab_changed(self) -> None:
        if self.right.get() == HISTORY_TAB:
            self.controller.load_history()  # the journal may have runs from the command line too

    # -- user actions --------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path = filedialog.askopenfilename(
            parent=self, title="Choose your ratings export (IMDb, Letterboxd, TMDb, Trakt, Simkl, Criticker…)",
            initialdir=self.form.last_folder or str(Path.home()),
            filetypes=[("Rating exports", "*.csv *.zip *.json *.xml"), ("All files", "*")])
        if path:
            self.set_source(Path(path))

    def set_source(self, path: Path) -> None:
        """Use this export (the file dialog calls it; tests call it directly)."""
        self.form.last_folder = str(path.parent)
        self.form.source_path.set(str(path))
        self.source.show_reading(path.name)
        self.show_tab("Source")
        if not self.controller.load_source(path):
            self.set_status("Busy: wait for the current step to finish, then choose the file again.", "error")

    def preview(self) -> None:
        request = self.form.request()
        if self._refuse(request.problem()):
            return
        self.preview_panel.clear("Making the preview: reading your library…")
        self.show_tab(PREVIEW_TAB, self.right)
        self.controller.preview(request)

    def update_ratings(self) -> None:
        request = self.form.request()
        if self._refuse(request.problem()):
            return
        if not self.controller.has_fresh_plan(request):
            self.show_tab(PREVIEW_TAB if not request.dry_run else LOG_TAB, self.right)
        self.controller.run(request)

    def _refuse(self, problem: str | None) -> bool:
        if problem is None:
            return False
        self.set_status(problem, "error")
        if "Login tab" in problem:
            self.show_tab("Login")
        elif "Source tab" in problem:
            self.show_tab("Source")
        elif "Filters tab" in problem:
            self.show_tab("Filters")
        return True

    def _confirm_undo(self, run_id: int) -> None:
        if self.controller.run_undo(run_id):
            self.show_tab(LOG_TAB, self.right)
        else:
            self.set_status("Busy: wait for the current step to finish, then undo again.", "error")

    def _finish_run(self, run_id: int) -> None:
        if not self.controller.resume(run_id):
            self.set_status("Busy: wait for the current step to finish, then press Finish again.", "error")

    def check_unfinished(self) -> None:
        """Offer to finish the chosen file's unfinished run on the chosen server (asked of a worker)."""
        request = self.form.request()
        if not self.controller.check_unfinished(request.source, request.server) and CHECK in self.controller.busy:
            self.after(150, self.check_unfinished)  # one is under way: ask again for the latest choice

    def _connect(self) -> None:
        self.controller.connect_url(self.form.url.get(), self.form.token.get())

    def _open_link(self) -> None:
        if self.login_url:
            self.controller.open_link(self.login_url)

    def _on_theme(self, value: str) -> None:
        ctk.set_appearance_mode(value.lower())
        self.restyle()

    def _on_scale(self, value: str) -> None:
        ctk.set_widget_scaling(scale_factor(value))
        self.restyle()
        self.after(50, self.size_window)

    def restyle(self) -> None:
        self.preview_panel.restyle()
        self.history.refit()

    def _form_changed(self) -> None:
        if self.plan_key is not None and self.form.request().plan_key() != self.plan_key:
            self.plan_key = self.plan_writes = None
            self.preview_panel.mark_stale("the file, server, library or options changed")
        self.action.set_update_text(self.plan_writes, self.form.dry_run.get())

    def _rewrap_status(self, event: tk.Event) -> None:
        """Long messages wrap onto a second line instead of running off the window."""
        wrap = max(200, round((event.width - 3 * PAD) / ctk.ScalingTracker.get_widget_scaling(self)))
        if abs(wrap - self._status_wrap) > 4:
            self._status_wrap = wrap
            self.status.configure(wraplength=wrap)

    def set_status(self, text: str, level: str = "info") -> None:
        self.status.configure(text=text, text_color=_STATUS_COLOR.get(level, MUTED_COLOR))

    def close(self) -> None:
        """Closing during a run cancels it and waits for the writes in flight (all journaled), without freezing."""
        if c.RUN in self.controller.busy and time.monotonic() < self._close_deadline:
            if self._close_deadline == float("inf"):
                self._close_deadline = time.monotonic() + 30
                self.controller.cancel()
                self.set_status("Closing after the writes already sent finish…", "busy")
            self.after(100, self.close)
            return
        self.controller.shutdown(save=self.remembered_settings().to_config(), timeout=2.0)
        self._poll_job = None
        for job in self.tk.splitlist(self.tk.call("after", "info")):  # CTk's own pending redraws too
            self.tk.call("after", "cancel", job)  # Tcl-level: their commands go with their widgets
        self.destroy()
        # The widgets' fonts and variables form reference cycles; left to the garbage collector they could be
        # freed in a worker thread, whose call into Tk (font delete) would block. Free them here, on this thread.
        gc.collect()

    def report_callback_exception(self, exc: type[BaseException], val: BaseException, tb: Any) -> None:
        """A bug in a Tk callback: plain words in the log and status bar, details in the Python log."""
        log.error("GUI callback failed", exc_info=(exc, val, tb))
        message = f"Unexpected error ({exc.__name__}: {val}). This is a bug in ratings-to-plex."
        self.log_panel.append([(message, "error")])
        self.set_status(message, "error")

    # -- events from the controller ------------------------------------------------------------------------
    def _poll(self) -> None:
        more = dispatch(self, _POLL_BUDGET_S)
        self._poll_job = self.after(1 if more else POLL_MS, self._poll)

    def self_test(self, tabs: tuple[str, ...]) -> bool:
        """Show every tab once and check each has content (the packaged app's smoke test)."""
        self.update()
        for name in tabs:
            self.show_tab(name)
            self.update()
        for name in (PREVIEW_TAB, HISTORY_TAB, LOG_TAB):
            self.show_tab(name, self.right)
            self.update()
        return all(self.tabs.tab(name).winfo_children() for name in tabs) and self.winfo_viewable() == 1
