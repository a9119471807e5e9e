"""The messages a controller's workers send to the window through its queue (plain frozen dataclasses).

The window handles each type in `handlers`; tests read them straight from `Controller.drain()`.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..app.rows import PreviewRow
from .history_rows import HistoryRow

STARTUP: Final = "startup"
LOGIN: Final = "login"
SIGNOUT: Final = "signout"
CONNECT: Final = "connect"
SOURCE: Final = "source"
PLAN: Final = "plan"
RUN: Final = "run"
SETTINGS: Final = "settings"
HISTORY: Final = "history"
UNDO_PLAN: Final = "undo-plan"
CHECK: Final = "resume-check"
EXPORT: Final = "export"


# -- events (worker → window) -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Log:
    text: str
    level: str = "info"  # info | warning | error


@dataclass(frozen=True)
class Status:
    text: str
    level: str = "info"  # info | busy | ok | error


@dataclass(frozen=True)
class Busy:
    jobs: frozenset[str]


@dataclass(frozen=True)
class SettingsLoaded:
    config: dict[str, Any]


@dataclass(frozen=True)
class LoginPending:
    url: str
    browser_opened: bool


@dataclass(frozen=True)
class LoginTick:
    seconds_left: float


@dataclass(frozen=True)
class SignedIn:
    where: str  # where the token is stored, or "" when it came from storage


@dataclass(frozen=True)
class AccountKnown:
    """The signed-in Plex account's name, once plex.tv has said it ("Signed in as …")."""

    name: str


@dataclass(frozen=True)
class SignedOut:
    message: str


@dataclass(frozen=True)
class ServerChoice:
    """One entry of the server menu. `name` is what the menu shows and is unique in it: a second server with the
    same name gets its address added. `machine_id` is what identifies it (never the name)."""

    name: str
    libraries: tuple[str, ...]  # movie and TV libraries only: the ones a sync can use
    error: str | None = None
    machine_id: str = ""
    server_name: str = ""  # the server's own name (remembered for the command line's --server)


@dataclass(frozen=True)
class ServersLoaded:
    servers: tuple[ServerChoice, ...]
    select: str | None = None  # the server to show (just connected)


@dataclass(frozen=True)
class SourceLoaded:
    path: Path
    source: str  # imdb | letterboxd
    description: str
    rows: int
    problems: dict[str, int]
    notes: tuple[str, ...]
    ratings: bool = True  # False: the file lists watched titles only (usable only with "Mark watched")


@dataclass(frozen=True)
class PlanReady:
    key: tuple[Any, ...]
    rows: tuple[PreviewRow, ...]
    writes: int
    server: str
    libraries: tuple[str, ...]
    confirm: bool  # made by "Update": the user should review it and press again to write


@dataclass(frozen=True)
class RunStarted:
    total: int
    dry_run: bool
    kind: str = "sync"  # sync | undo | resume


@dataclass(frozen=True)
class RunProgress:
    done: int
    total: int
    eta_s: float | None


@dataclass(frozen=True)
class RunFinished:
    run_id: int
    status: str  # done | dry_run | cancelled | stopped
    counts: dict[str, int]
    written: int
    total: int
    unmatched_csv: Path | None
    run_log: Path | None
    failed: int = 0  # writes that failed after retries
    not_attempted: int = 0  # left out by Cancel (or a stop)
    kind: str = "sync"  # sync | undo (of run `undo_of`) | resume (run `run_id` finished)
    undo_of: int | None = None


@dataclass(frozen=True)
class HistoryLoaded:
    runs: tuple[HistoryRow, ...]


@dataclass(frozen=True)
class UndoPlanned:
    run_id: int
    restores: int  # items to put back
    already: int  # already as before the run: nothing to do
    skipped: tuple[str, ...]  # "title: why" for items changed since the run (left alone)
    server: str


@dataclass(frozen=True)
class Unfinished:
    """The last run of `source` on `server` did not finish (run_id None: nothing to offer)."""

    source: Path | None
    server: str | None
    run_id: int | None
    file: str = ""
    written: int = 0
    total: int = 0
    status: str = ""


@dataclass(frozen=True)
class JournalDamaged:
    """The run journal cannot be read (`message` names the file); History offers to move it aside."""

    message: str


@dataclass(frozen=True)
class Failed:
    job: str
    message: str


Event = Any  # one of the dataclasses above


def drain_queue(events: queue.Queue[Any], limit: int) -> list[Any]:
    """The events waiting in `events` (at most `limit`, oldest first); never blocks."""
    out: list[Any] = []
    while len(out) < limit:
        try:
            out.append(events.get_nowait())
        except queue.Empty:
            break
    return out
