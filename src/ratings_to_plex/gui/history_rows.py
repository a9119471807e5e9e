"""The History table's rows, computed from the journal's runs (no Tk): built in a worker, shown as they are.

Also the one rule the window needs about a run: whether it can be undone, and if not, why (in words).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from ..journal import RunInfo

COLUMNS: Final = ("Run", "Date", "File", "Server", "Updated", "Failed", "Status", "Undone")


@dataclass(frozen=True, slots=True)
class HistoryRow:
    run_id: int
    date: str
    day: str  # the date without the time, for a narrow table
    file: str
    server: str
    updated: int
    failed: int
    status: str
    undone: str
    detail: str  # one sentence about the run, shown when it is selected
    blocker: str | None  # why it cannot be undone; None when it can

    @property
    def undoable(self) -> bool:
        return self.blocker is None

    def values(self) -> tuple[str, ...]:
        return (str(self.run_id), self.date, self.file, self.server, str(self.updated), str(self.failed),
                self.status, self.undone)


def when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


def short_when(ts: float | None, now: datetime | None = None, day_only: bool = False) -> str:
    """The table's date: "Nov 28 01:50" this year, "2024-11-28" before (the full date is in the detail line)."""
    if not ts:
        return ""
    moment, now = datetime.fromtimestamp(ts), now or datetime.now()
    if moment.year != now.year:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%b %d" if day_only else "%b %d %H:%M")


def undo_blocker(run: RunInfo) -> str | None:
    """Why `run` cannot be undone from the window, in words; None when it can."""
    if run.dry_run:
        return f"Run {run.id} was a dry run: it wrote nothing, so there is nothing to undo."
    if run.undone_by is not None:
        return f"Run {run.id} was already undone by run {run.undone_by} (undo run {run.undone_by} to redo it)."
    if not run.applied:
        return f"Run {run.id} wrote nothing to Plex, so there is nothing to undo."
    return None


def history_row(run: RunInfo) -> HistoryRow:
    if run.kind == "undo":
        what = f"undo of run {run.undo_of}"
        about = f"Undo of run {run.undo_of}"
    else:
        what = Path(run.file).name if run.file else run.kind
        about = f"Sync of {what}"
    libraries = f" ({', '.join(run.libraries)})" if run.libraries else ""
    written = f"{run.applied} written, {run.failed} failed" + (f", {run.pending} not attempted"
                                                                if run.pending else "")
    status = "dry run" if run.dry_run else run.status.replace("_", " ")
    detail = (f"Run {run.id} · {about} → {run.server_name or 'unknown server'}{libraries} · started "
              f"{when(run.started_at)} · {written} · {status}")
    if run.undone_by is not None:
        detail += f" · undone by run {run.undone_by}"
    return HistoryRow(run.id, short_when(run.started_at), short_when(run.started_at, day_only=True), what,
                      run.server_name or "", run.applied, run.failed, status,
                      f"by run {run.undone_by}" if run.undone_by is not None else "", detail, undo_blocker(run))


def history_rows(runs: list[RunInfo]) -> list[HistoryRow]:
    """Newest first, as the journal lists them."""
    return [history_row(r) for r in runs]
