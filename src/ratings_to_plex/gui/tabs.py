"""The General, Source, Filters and Options tabs (the Login tab has its own module). Views only: callbacks go to
the window, which goes to the controller."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from tkinter import filedialog
from typing import Any

import customtkinter as ctk

from .export_jobs import EXPORT_FORMATS
from .form import Form
from .links import HELP_LINKS, link
from .state import SCALES, THEMES, TYPE_TOGGLES
from .widgets import ERROR_COLOR, MUTED_COLOR, OK_COLOR, PAD, button, check, label, option_menu

WRAP = 330  # wrap length of explanatory text in the left column (CTk scales it with the widgets)


class GeneralTab:
    """Header that follows the source, version, theme and size of the interface, detected source type."""

    def __init__(self, tab: ctk.CTkFrame, form: Form, version: str, on_theme: Callable[[str], Any],
                 on_scale: Callable[[str], Any]) -> None:
        tab.grid_columnconfigure(1, weight=1)
        self.header = label(tab, "Ratings → Plex Ratings", size=20, bold=True)
        self.header.grid(row=0, column=0, columnspan=2, sticky="w", padx=PAD, pady=(PAD, 0))
        label(tab, f"Version {version}", muted=True).grid(row=1, column=0, columnspan=2, sticky="w", padx=PAD)
        label(tab, "Theme").grid(row=2, column=0, sticky="w", padx=PAD, pady=(PAD, 4))
        self.theme = option_menu(tab, form.theme, list(THEMES), command=on_theme, width=150)
        self.theme.grid(row=2, column=1, sticky="w", padx=PAD, pady=(PAD, 4))
        label(tab, "Interface size").grid(row=3, column=0, sticky="w", padx=PAD, pady=4)
        self.scale = option_menu(tab, form.scale, list(SCALES), command=on_scale, width=150)
        self.scale.grid(row=3, column=1, sticky="w", padx=PAD, pady=4)
        label(tab, "Source Type", bold=True).grid(row=4, column=0, columnspan=2, sticky="w", padx=PAD,
                                                  pady=(PAD, 0))
        self.source_type = label(tab, "Detected from the file you choose on the Source tab (IMDb, Letterboxd, "
                                      "TMDb, Trakt…).", muted=True, wrap=WRAP)
        self.source_type.grid(row=5, column=0, columnspan=2, sticky="w", padx=PAD)
        label(tab, "Keyboard", bold=True).grid(row=6, column=0, columnspan=2, sticky="w", padx=PAD, pady=(PAD, 0))
        label(tab, "Ctrl+O choose file · Ctrl+P preview · Ctrl+Enter update · Esc cancel · Ctrl+1…5 tabs · "
                   "Tab moves, Enter or Space presses", muted=True, size=12, wrap=WRAP).grid(
            row=7, column=0, columnspan=2, sticky="w", padx=PAD)

    def show_source(self, source: str, description: str) -> None:
        name = {"imdb": "IMDb", "letterboxd": "Letterboxd"}.get(source, source.title())
        self.header.configure(text=f"{name} → Plex Ratings")
        self.source_type.configure(text=f"{description} (detected from the file)", text_color=OK_COLOR)


class SourceTab:
    """Choose the export; shows what was detected in it. Below, the other direction: export the server's ratings
    to a file (a JSON backup chosen here later restores them)."""

    def __init__(self, tab: ctk.CTkFrame, form: Form, on_choose: Callable[[], Any],
                 on_export: Callable[[str, Path], Any]) -> None:
        tab.grid_columnconfigure(0, weight=1)
        self.choose = button(tab, "Select Export File…", on_choose, width=220)
        self.choose.grid(row=0, column=0, sticky="w", padx=PAD, pady=(PAD, 2))
        label(tab, "Ctrl+O · IMDb, Letterboxd, TMDb, Trakt, Simkl or Criticker export (.csv, .zip, .json, .xml)",
              muted=True, size=12, wrap=WRAP).grid(row=1, column=0, sticky="w", padx=PAD)
        self.path = label(tab, "No file chosen yet.", wrap=WRAP)
        self.path.grid(row=2, column=0, sticky="w", padx=PAD, pady=(PAD, 0))
        self.detected = label(tab, "", bold=True, wrap=WRAP)
        self.detected.grid(row=3, column=0, sticky="w", padx=PAD, pady=(4, 0))
        self.details = label(tab, "", muted=True, wrap=WRAP)
        self.details.grid(row=4, column=0, sticky="w", padx=PAD)
        form.source_path.trace_add("write", lambda *_: self._show_path(form.source_path.get()))
        self._build_export(tab, form, on_export)

    def _build_export(self, tab: ctk.CTkFrame, form: Form, on_export: Callable[[str, Path], Any]) -> None:
        label(tab, "Export your Plex ratings", bold=True).grid(row=5, column=0, sticky="w", padx=PAD,
                                                              pady=(PAD * 2, 2))
        row = ctk.CTkFrame(tab, fg_color="transparent")
        row.grid(row=6, column=0, sticky="w", padx=PAD)
        self.export_format = option_menu(row, form.export_format, list(EXPORT_FORMATS), width=200)
        self.export_format.pack(side="left")
        self.export = button(row, "Export…", lambda: self._ask_export(form, on_export), width=90)
        self.export.pack(side="left", padx=(PAD, 0))
        label(tab, "The chosen server and libraries; nothing in Plex changes.", muted=True, size=12,
              wrap=WRAP).grid(row=7, column=0, sticky="w", padx=PAD)
        self.links = links = ctk.CTkFrame(tab, fg_color="transparent")  # until a file is chosen (then it is known)
        links.grid(row=8, column=0, sticky="w", padx=PAD - 4, pady=(PAD, 0))
        label(links, "How to export your ratings:", muted=True, size=12).pack(side="left", padx=(4, 0))
        self.help_links = [link(links, name, HELP_LINKS[name]) for name in ("IMDb", "Letterboxd", "Trakt")]
        for help_link in self.help_links:
            help_link.pack(side="left")

    def _ask_export(self, form: Form, on_export: Callable[[str, Path], Any]) -> None:
        fmt, suffix = EXPORT_FORMATS[form.export_format.get()]
        path = filedialog.asksaveasfilename(
            parent=self.export.winfo_toplevel(), title="Export your Plex ratings to…", defaultextension=suffix,
            initialdir=form.last_folder or str(Path.home()), initialfile=f"plex-ratings{suffix}",
            filetypes=[(form.export_format.get(), f"*{suffix}"), ("All files", "*")])
        if path:
            on_export(fmt, Path(path))

    def _show_path(self, path: str) -> None:
        chosen = Path(path) if path else None
        self.path.configure(text=f"{chosen.name}\nin {_short(str(chosen.parent))}" if chosen else
                            "No file chosen yet.")
        self.detected.configure(text="Reading…" if path else "", text_color=MUTED_COLOR)
        self.details.configure(text="")
        if path:
            self.links.grid_remove()
        else:
            self.links.grid()

    def show_detected(self, description: str, rows: int, problems: dict[str, int], notes: tuple[str, ...],
                      ratings: bool = True) -> None:
        self.detected.configure(text=f"Detected: {description}, {rows} rows",
                                text_color=OK_COLOR if ratings else ERROR_COLOR)
        lines = [f"{n} row{'s' if n != 1 else ''}: {label_}" for label_, n in sorted(problems.items())]
        self.details.configure(text="\n".join([*notes, *(["Cannot be used — " + "; ".join(lines)] if lines else [])]))

    def show_error(self, message: str) -> None:
        self.detected.configure(text=message, text_color=ERROR_COLOR)
        self.details.configure(text="")

    def show_reading(self, name: str) -> None:
        """A new file was chosen: what was said about the previous one (an error, its rows) goes."""
        self.detected.configure(text=f"Reading {name}…", text_color=MUTED_COLOR)
        self.details.configure(text="")


class FiltersTab:
    """Which title types to import (seed: Movie, TV Series, TV Mini Series, TV Movie; now also episodes, other)."""

    def __init__(self, tab: ctk.CTkFrame, form: Form) -> None:
        label(tab, "Media Filters", bold=True).grid(row=0, column=0, columnspan=2, sticky="w", padx=PAD,
                                                    pady=(PAD, 4))
        self.boxes: dict[str, ctk.CTkCheckBox] = {}
        for n, (text, _types) in enumerate(TYPE_TOGGLES):
            box = check(tab, text, form.types[text])
            box.grid(row=1 + n // 2, column=n % 2, sticky="w", padx=PAD, pady=6)
            self.boxes[text] = box
        label(tab, "“Other” covers shorts, videos, TV specials and unknown types. Letterboxd rows are all movies.",
              muted=True, wrap=WRAP, size=12).grid(row=5, column=0, columnspan=2, sticky="w", padx=PAD,
                                                   pady=(PAD, 0))


class OptionsTab:
    """Mark watched (with its warning inline, not a dialog), force, dry run, conflict policy."""

    def __init__(self, tab: ctk.CTkFrame, form: Form, policies: list[str]) -> None:
        tab.grid_columnconfigure(0, weight=1)
        self.mark_watched = check(tab, "Mark watched if rating imported", form.mark_watched)
        self.mark_watched.grid(row=0, column=0, sticky="w", padx=PAD, pady=(PAD, 0))
        self.warning = label(tab, "", size=12, wrap=WRAP, text_color=("#b45309", "#fbbf24"))
        self.warning.grid(row=1, column=0, sticky="w", padx=(PAD + 30, PAD))
        self.warning.grid_remove()
        self.force = check(tab, "Force reapply ratings (ignore unchanged)", form.force)
        self.force.grid(row=2, column=0, sticky="w", padx=PAD, pady=(6, 0))
        self.dry_run = check(tab, "Dry run (preview only)", form.dry_run)
        self.dry_run.grid(row=3, column=0, sticky="w", padx=PAD, pady=(PAD, 0))
        label(tab, "When Plex already has a rating", bold=True).grid(row=4, column=0, sticky="w", padx=PAD,
                                                                    pady=(PAD + 4, 2))
        self.policy = option_menu(tab, form.policy, policies, width=240)
        self.policy.grid(row=5, column=0, sticky="w", padx=PAD)
        self.discover = check(tab, "Also rate titles not in my libraries (Plex Discover)", form.discover)
        self.discover.grid(row=6, column=0, sticky="w", padx=PAD, pady=(PAD + 4, 0))
        label(tab, "Rates them on your Plex account's online catalogue, where every Plex app shows them (needs "
                   "sign-in). Undo puts earlier ratings back; clearing one that was not there before is not "
                   "confirmed to work on Discover.", muted=True, size=12, wrap=WRAP).grid(
            row=7, column=0, sticky="w", padx=(PAD + 30, PAD))
        form.mark_watched.trace_add("write", lambda *_: self._warn(form.mark_watched.get()))

    def _warn(self, on: bool) -> None:
        if not on:
            self.warning.grid_remove()
            return
        self.warning.configure(text="Every imported item will also be marked as watched in Plex (it is recorded, "
                                    "so Undo in History can revert it).")
        self.warning.grid()


def _short(folder: str, keep: int = 48) -> str:
    """A long folder as its start and end (labels wrap only at spaces; a path has none)."""
    return folder if len(folder) <= keep else f"{folder[:14]}…{folder[-(keep - 15):]}"
