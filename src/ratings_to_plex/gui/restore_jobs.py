"""Restore from a JSON backup (and a past run's reports, for History), the worker side (no Tk): read the backup,
plan it on the chosen server, and hand the window the same Preview rows a sync shows (issue 15).

The restore plan is stored as the window's current plan under the request's key (the form's file is the backup), so
the window's Update button writes it through the one write path (`Engine.execute_plan` → `AppSession.write`):
journaled as a restore, undoable from History like any run. Nothing is written by the preview itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..app.rows import plan_rows
from ..errors import UsageError
from .events import PLAN, Log, PlanReady, Status
from .household_jobs import HouseholdJobs
from .journal_jobs import WRITE_JOBS

if TYPE_CHECKING:
    from ..app import Connection, Plan
    from .controller import _PlanEntry
    from .state import RunRequest

REPORTS: Final = "reports"


@dataclass(frozen=True)
class ReportsFound:
    """Run `run_id`'s reports still on disk, by name (`unmatched_csv`, `run_log`): `AppSession.reports`."""

    run_id: int
    paths: dict[str, Path]


class RestoreJobs(HouseholdJobs):
    """A mixin of `Controller`: the restore preview (its write is the ordinary run of the current plan)."""

    _plan_generation: int

    def restore_preview(self, request: RunRequest) -> bool:
        """Plan the backup `request.source` on `request.server` (its chosen libraries, else the backup's)."""
        return self._spawn(PLAN, self._restore_preview, request, exclusive=WRITE_JOBS)

    def _restore_preview(self, request: RunRequest) -> None:
        if request.server is None or request.source is None:
            raise UsageError("Sign in and choose a server on the Login tab first.")
        with self._lock:
            generation = self._plan_generation
            self._plan = None
        self.post(Status(f"Reading the backup {request.source.name}…", "busy"))
        backup = self.engine.read_backup(request.source)
        conn = self._client_for(request.server)
        self.post(Status(f"Reading your library on {request.server}…", "busy"))
        libraries = () if request.all_libraries else request.libraries
        plan = self.engine.plan_restore(conn, backup, libraries)
        if self._keep_plan(request.plan_key(), plan, conn, generation, request.server, confirm=True) is None:
            return  # cancelled meanwhile
        writes = len(plan.writes)
        self.post(Log(f"Restore preview of {request.source.name}: {writes} change{'s' if writes != 1 else ''} "
                      f"would make {request.server}'s ratings what the backup says."))
        self.post(Status(f"Restore from {request.source.name}: review the {writes} change"
                         f"{'s' if writes != 1 else ''} in Preview, then press Write to apply them." if writes else
                         f"Restore from {request.source.name}: the ratings already match the backup.",
                         "info" if writes else "ok"))

    def _keep_plan(self, key: tuple[Any, ...], plan: Plan, conn: Connection, generation: int, server: str,
                   confirm: bool) -> _PlanEntry | None:
        """Make `plan` the window's current plan and show it in Preview — the sync preview's and the restore
        preview's last step (here because controller.py is at its size limit). None: a cancel or a newer preview
        came while it was being made, so it is dropped."""
        from .controller import _PlanEntry  # here: the controller module imports this one

        names = conn.library_names([c.item.section_id for c in plan.changes]) if len(plan.libraries) > 1 else None
        rows = tuple(plan_rows(plan, names))
        entry = _PlanEntry(key, plan, conn)
        with self._lock:
            if generation != self._plan_generation:
                return None
            self._plan = entry
        self.post(PlanReady(key, rows, len(plan.writes), server, tuple(plan.libraries), confirm))
        return entry

    def find_reports(self, run_id: int) -> bool:
        """Which of run `run_id`'s reports (unmatched CSV, run log) are still on disk, for History's buttons."""
        return self._spawn(REPORTS, self._find_reports, run_id)

    def _find_reports(self, run_id: int) -> None:
        run = self.engine.journal_run(run_id)
        self.post(ReportsFound(run_id, self.engine.reports(run)))
