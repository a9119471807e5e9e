"""The tk variables behind every choice in the window, and their translation to and from plain values."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from .state import POLICY_LABELS, TYPE_TOGGLES, Remembered, RunRequest, types_for

NO_SERVER: Final = "(sign in first)"
NO_LIBRARY: Final = "(choose a server first)"
SEVERAL: Final = "Several libraries…"  # the library menu's last entry: opens the check list
_POLICY_BY_LABEL: Final = {v: k for k, v in POLICY_LABELS.items()}


class Form:
    """Created on the Tk thread; read by the window when the user presses Preview or Update."""

    def __init__(self, master: tk.Misc) -> None:
        self.source_path = tk.StringVar(master, "")
        self.server = tk.StringVar(master, NO_SERVER)
        self.library = tk.StringVar(master, NO_LIBRARY)  # what the library menu shows: one title, or a summary
        self._several: tuple[str, tuple[str, ...]] | None = None  # (summary shown, the titles it stands for)
        self.all_libraries = tk.BooleanVar(master, False)
        self.types = {label: tk.BooleanVar(master, True) for label, _ in TYPE_TOGGLES}
        self.policy = tk.StringVar(master, POLICY_LABELS["overwrite"])
        self.force = tk.BooleanVar(master, False)
        self.mark_watched = tk.BooleanVar(master, False)
        self.discover = tk.BooleanVar(master, False)  # opt-in each time: it writes to the Plex account
        self.dry_run = tk.BooleanVar(master, False)
        self.export_format = tk.StringVar(master, "JSON backup (restorable)")  # a key of EXPORT_FORMATS
        self.theme = tk.StringVar(master, "System")
        self.scale = tk.StringVar(master, "100%")
        self.url = tk.StringVar(master, "")
        self.token = tk.StringVar(master, "")
        self.last_folder: str | None = None

    def plan_vars(self) -> list[tk.Variable]:
        """The variables a plan depends on (changing one makes the preview out of date)."""
        return [self.source_path, self.server, self.library, self.all_libraries, self.policy, self.force,
                self.mark_watched, self.discover, self.dry_run, *self.types.values()]

    def on_change(self, callback: Callable[[], Any]) -> None:
        for var in self.plan_vars():
            var.trace_add("write", lambda *_: callback())

    def libraries(self) -> tuple[str, ...]:
        """The chosen libraries: the one the menu shows, or the several its summary stands for."""
        shown = self.library.get()
        if self._several is not None and shown == self._several[0]:
            return self._several[1]
        return () if shown in ("", NO_LIBRARY, SEVERAL) else (shown,)

    def set_libraries(self, names: tuple[str, ...] | list[str]) -> None:
        names = tuple(names)
        self._several = (several_label(names), names) if len(names) > 1 else None
        self.library.set(self._several[0] if self._several else (names[0] if names else NO_LIBRARY))

    def request(self) -> RunRequest:
        server = self.server.get()
        path = self.source_path.get().strip()
        return RunRequest(
            source=Path(path) if path else None,
            server=None if server in ("", NO_SERVER) else server,
            libraries=self.libraries(),
            all_libraries=self.all_libraries.get(),
            types=types_for({label: var.get() for label, var in self.types.items()}),
            policy=_POLICY_BY_LABEL.get(self.policy.get(), "overwrite"),
            force=self.force.get(),
            mark_watched=self.mark_watched.get(),
            dry_run=self.dry_run.get(),
            discover=self.discover.get(),
        )

    def remembered(self) -> Remembered:
        request = self.request()
        return Remembered(
            server=request.server, libraries=request.libraries, all_libraries=request.all_libraries,
            types={label: var.get() for label, var in self.types.items()}, policy=request.policy,
            force=request.force, mark_watched=request.mark_watched, theme=self.theme.get(),
            scale=self.scale.get(), last_folder=self.last_folder,
        )

    def restore(self, r: Remembered) -> None:
        """Options only; the server and library are restored when the server list arrives."""
        self.all_libraries.set(r.all_libraries)
        for label, var in self.types.items():
            var.set(r.types.get(label, True))
        self.policy.set(POLICY_LABELS[r.policy])
        self.force.set(r.force)
        self.mark_watched.set(r.mark_watched)
        self.theme.set(r.theme)
        self.scale.set(r.scale)
        self.last_folder = r.last_folder


def several_label(names: tuple[str, ...]) -> str:
    """What the library menu shows for several libraries: both titles when short, else how many."""
    both = " + ".join(names)
    return both if len(names) == 2 and len(both) <= 24 else f"{len(names)} libraries"
