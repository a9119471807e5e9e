"""The History table's rows, computed from the journal's runs (no Tk): built in a worker, shown as they are.

Whether a run can be undone, and if not why, is the application session's rule (`app.rules`), shown as is. Two
servers with the same name are told apart by their address in the Server column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from ..app import RunInfo, rules

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
    finishable: bool = False  # interrupted (cancelled, stopped, crashed) and not undone: History offers Finish

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


def history_row(run: RunInfo, server: str | None = None) -> HistoryRow:
    if run.kind == "undo":
        what = f"undo of run {run.undo_of}"
        about = f"Undo of run {run.undo_of}"
    elif run.kind == "restore":
        what = f"restore of {Path(run.file).name}" if run.file else "restore of a backup"
        about = what.capitalize()
    else:
        what = Path(run.file).name if run.file else run.kind
        about = f"Sync of {what}"
    libraries = f" ({', '.join(run.libraries)})" if run.libraries else ""
    written = f"{run.applied} written, {run.failed} failed" + (f", {run.pending} not attempted"
                                                                if run.pending else "")
    status = "dry run" if run.dry_run else run.status.replace("_", " ")
    server = server or run.server_name or ""
    detail = (f"Run {run.id} · {about} → {server or 'unknown server'}{libraries}"
              f"{f' as {run.user_name}' if run.user_name else ''} · started "
              f"{when(run.started_at)} · {written} · {status}")
    if run.undone_by is not None:
        detail += f" · undone by run {run.undone_by}"
    if run.user_name:  # a Plex Home user's run: whose ratings it wrote
        server = f"{server} · {run.user_name}"
    return HistoryRow(run.id, short_when(run.started_at), short_when(run.started_at, day_only=True), what,
                      server, run.applied, run.failed, status,
                      f"by run {run.undone_by}" if run.undone_by is not None else "", detail, rules.undo_blocker(run),
                      rules.resume_blocker(run) is None)


def history_rows(runs: list[RunInfo]) -> list[HistoryRow]:
    """Newest first, as the journal lists them; a server name two machines share gets the run's address."""
    machines: dict[str, set[str]] = {}
    for run in runs:
        machines.setdefault(run.server_name or "", set()).add(run.machine_id or "")
    return [history_row(r, _server_label(r) if len(machines.get(r.server_name or "", ())) > 1 else None)
            for r in runs]


def _server_label(run: RunInfo) -> str:
    where = (run.server_url or "").split("://", 1)[-1].rstrip("/") or (run.machine_id or "")[:8]
    return f"{run.server_name or 'unknown server'} ({where})"
