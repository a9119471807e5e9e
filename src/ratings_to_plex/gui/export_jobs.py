"""The export half of the controller: write the chosen server's (and libraries') ratings to a file — a JSON backup
(which the Source tab reads back to restore), Letterboxd's import CSV, an IMDb-style CSV or a plain CSV.

A mixin of `Controller`; runs in a worker thread only. Nothing is written to Plex.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..errors import UsageError
from .events import EXPORT, RUN, Log, Status
from .host import ControllerHost

if TYPE_CHECKING:
    from ..app import Connection
    from .state import RunRequest

#: The export menu: what the user reads → (format, file suffix).
EXPORT_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "JSON backup (restorable)": ("json", ".json"),
    "Letterboxd import CSV": ("letterboxd", ".csv"),
    "IMDb-style CSV": ("imdb", ".csv"),
    "Plain CSV (everything)": ("csv", ".csv"),
}


class ExportJobs(ControllerHost):
    """A mixin of `Controller` (see `ControllerHost`; it also uses the account mixin's `_client_for`)."""

    @abstractmethod
    def _client_for(self, server: str) -> Connection:
        raise NotImplementedError

    def export(self, request: RunRequest, fmt: str, path: Path) -> bool:
        """Export the rated items of the request's server and libraries to `path` in `fmt` (never while writing)."""
        return self._spawn(EXPORT, self._export, request, fmt, Path(path), exclusive=(RUN,))

    def _export(self, request: RunRequest, fmt: str, path: Path) -> None:
        if request.server is None:
            raise UsageError("Sign in and choose a server on the Login tab first.")
        if not request.all_libraries and not request.libraries:
            raise UsageError("Choose a library on the Login tab, or tick \u201cSearch ALL libraries\u201d.")
        conn = self._client_for(request.server)
        self.post(Status(f"Reading your ratings on {request.server}…", "busy"))
        result = self.engine.export_ratings(conn, request.options(), fmt, path)
        for note in result.notes:
            self.post(Log(note))
        where = ", ".join(str(p) for p in result.paths)
        self.post(Log(f"Exported {result.items} rating(s) from {request.server} to {where}"))
        self.post(Status(f"Exported {result.items} rating{'s' if result.items != 1 else ''} to "
                         f"{result.paths[0].name if len(result.paths) == 1 else f'{len(result.paths)} files'}.",
                         "ok"))
