"""The right column: a tab view of Activity Log, Preview and History, with the unfinished-run banner under it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import customtkinter as ctk

from .banner import ResumeBanner
from .history import HistoryPanel
from .preview import PreviewPanel
from .widgets import LogPanel

LOG_TAB, PREVIEW_TAB, HISTORY_TAB = "Activity Log", "Preview", "History"
RIGHT_TABS: Final = (LOG_TAB, PREVIEW_TAB, HISTORY_TAB)


class RightColumn:
    def __init__(self, master: Any, *, on_tab: Callable[[], Any], on_refresh: Callable[[], Any],
                 on_undo: Callable[[int], Any], on_confirm_undo: Callable[[int], Any],
                 on_finish: Callable[[int], Any], on_dismiss: Callable[[int], Any]) -> None:
        self.frame = frame = ctk.CTkFrame(master, fg_color="transparent")
        frame.grid_columnconfigure(0, weight=1)
        frame.grid_rowconfigure(1, weight=1)
        self.banner = ResumeBanner(frame, on_finish=on_finish, on_dismiss=on_dismiss)
        self.tabs = ctk.CTkTabview(frame, width=520, command=on_tab)
        self.tabs.grid(row=1, column=0, sticky="nsew")
        for name in RIGHT_TABS:
            self.tabs.add(name)
        log_tab = self.tabs.tab(LOG_TAB)
        log_tab.grid_columnconfigure(0, weight=1)
        log_tab.grid_rowconfigure(0, weight=1)
        self.log = LogPanel(log_tab)
        self.log.grid(row=0, column=0, sticky="nsew")
        self.preview = PreviewPanel(self.tabs.tab(PREVIEW_TAB))
        self.history = HistoryPanel(self.tabs.tab(HISTORY_TAB), on_refresh=on_refresh, on_undo=on_undo,
                                    on_confirm=on_confirm_undo, on_finish=on_finish)
        from .restore_ui import HistoryExtras  # here: restore_ui imports this module

        self.extras = HistoryExtras(self.tabs.tab(HISTORY_TAB), self.history)  # reports, restore from backup

    def show_banner(self) -> None:
        """Under the tabs, not over them: the two columns' tabs stay in line (the log keeps its end in view)."""
        self.banner.frame.grid(row=2, column=0, sticky="ew", pady=(4, 0))
