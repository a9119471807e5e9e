"""Starting, cancelling and taking in the background work of one browser: reading a file, preview, write, undo,
resume. Each is an application-layer job (`app.JobRunner`), so every tab and browser connected to the same server
can follow it, and a second write to that server is refused by the runner itself.
"""

from __future__ import annotations

from typing import Final

from ..app import (
    Connection,
    Job,
    JobState,
    Plan,
    PlanOptions,
    RunInfo,
    RunKind,
    RunSummary,
    SyncOptions,
    account,
)
from ..app.rows import plan_rows
from ..errors import UsageError
from .flow import TYPE_LABELS, Choices, Flow, Services, require_conn
from .uploads import StoredFile

#: The type check boxes and the title types (INTERFACES.md `--types` vocabulary) each stands for.
TYPE_GROUPS: Final[dict[str, frozenset[str]]] = dict(zip(TYPE_LABELS, (
    frozenset({"movie"}), frozenset({"tv_series"}), frozenset({"tv_mini_series"}), frozenset({"tv_movie"}),
    frozenset({"tv_episode"}), frozenset({"short", "video", "tv_special", "other"})), strict=True))
PREVIEW: Final = "preview"
RESTORE_PREVIEW: Final = "restore-preview"  # a restore's plan (web/backups.py), shown and written like a preview
DRY_RUN: Final = "dry-run"


def use_file(flow: Flow, services: Services, stored: StoredFile) -> None:
    """Read and check the new file (the old upload is deleted); a file that cannot be used is deleted at once."""
    try:
        source = services.app.read([stored.path], format=flow.source_format)[0]
    except BaseException:
        services.uploads.discard(stored)
        raise
    with flow.lock:
        old, flow.file, flow.source, flow.plan, flow.summary = flow.file, stored, source, None, None
    if old is not None and old.path != stored.path:
        services.uploads.discard(old)


def sync_options(choices: Choices) -> SyncOptions:
    chosen = frozenset().union(*(t for label, t in TYPE_GROUPS.items() if choices.types.get(label, True)))
    every = frozenset().union(*TYPE_GROUPS.values())
    return SyncOptions(libraries=() if choices.all_libraries else choices.libraries,
                       all_libraries=choices.all_libraries, types=None if chosen == every else chosen,
                       plan=PlanOptions(force=choices.force, policy=choices.policy,
                                        mark_watched=choices.mark_watched), discover=choices.discover)


def _writing_job(services: Services, conn: Connection) -> Job | None:
    """The write job running on this server (from any tab or browser), if any."""
    for job in services.runner.running():
        if job.writes and job.identity == conn.identity:
            return job
    return None


def _follow(flow: Flow, job: Job) -> Job:
    with flow.lock:
        flow.job = job
    return job


def start_preview(flow: Flow, services: Services, choices: Choices) -> Job:
    """Match the file against the chosen libraries and plan every write, in the background."""
    conn = require_conn(flow)
    with flow.lock:
        source = flow.source
        flow.choices = choices
        if flow.busy():
            raise UsageError("Wait for the running job to finish (or cancel it) first.")
    if source is None:
        raise UsageError("Upload an export file (or pick one) first.")
    if not choices.all_libraries and not choices.libraries:
        raise UsageError("Choose at least one library (or all of them).")
    if choices.discover and not flow.account:
        raise UsageError("Plex Discover needs a Plex sign-in (Sign in with Plex): a server URL and token cannot "
                         "reach it. Untick it, or sign in.")
    if _writing_job(services, conn) is not None:
        raise UsageError(f"Something is being written to {conn.name} right now: preview once it has finished "
                         "(a plan made now would be out of date).")
    options = sync_options(choices)
    names = {str(s.key): s.title for s in conn.libraries()}
    account.remember(libraries=[names.get(k, k) for k in choices.libraries] or None)
    return _follow(flow, services.runner.start(
        PREVIEW, lambda job: services.app.preview(conn, source, options, on_event=job.emit),
        identity=conn.identity, writes=False))


def start_write(flow: Flow, services: Services, *, dry_run: bool = False) -> Job:
    """Write the previewed plan; the uploaded file is deleted once the run is over (journaled either way). A dry
    run writes nothing to Plex, only its reports, and keeps the file and the preview for the real run."""
    conn = require_conn(flow)
    with flow.lock:
        plan = flow.plan
        restore = plan is not None and plan.kind is RunKind.RESTORE
        stored = flow.backup_file if restore else flow.file  # the file this run was planned from
    if plan is None:
        raise UsageError("Preview first: the write does exactly what the preview shows.")

    def target(job: Job) -> RunSummary:
        try:
            return services.app.write(conn, plan, dry_run=dry_run, cancel=job.cancel, on_event=job.emit)
        finally:
            if not dry_run:
                _forget_file(flow, stored, restore)
                services.uploads.discard(stored)

    kind = DRY_RUN if dry_run else "write"
    return _follow(flow, services.runner.start(kind, target, identity=conn.identity, writes=not dry_run))


def _forget_file(flow: Flow, stored: StoredFile | None, restore: bool) -> None:
    """After a real run its file is deleted: the export file of a sync, the backup of a restore."""
    with flow.lock:
        if restore and flow.backup_file is stored:
            flow.backup_file, flow.backup = None, None
        elif not restore and flow.file is stored:
            flow.file, flow.source = None, None


def start_undo(flow: Flow, services: Services, run_id: int) -> Job:
    """Put back what run `run_id` changed (the app checks every undo rule, again just before writing)."""
    conn = require_conn(flow)

    def target(job: Job) -> RunSummary:
        job.log(f"Reading the items run {run_id} changed on {conn.name}…")
        plan = services.app.plan_undo(conn, run_id)
        job.log(f"Undoing run {run_id}: {len(plan.writes)} item(s) to restore.")
        return services.app.write(conn, plan, cancel=job.cancel, on_event=job.emit)

    return _follow(flow, services.runner.start("undo", target, identity=conn.identity, writes=True))


def start_resume(flow: Flow, services: Services, run_id: int) -> Job:
    """Finish an interrupted run: only what did not land is written."""
    conn = require_conn(flow)

    def target(job: Job) -> RunSummary:
        job.log(f"Checking which of run {run_id}'s changes reached {conn.name}…")
        plan = services.app.plan_resume(conn, run_id)
        return services.app.write(conn, plan, cancel=job.cancel, on_event=job.emit)

    return _follow(flow, services.runner.start("resume", target, identity=conn.identity, writes=True))


def cancel(flow: Flow, services: Services, job_id: str) -> None:
    """Cancel a job of this server (started in this tab or another); writes in flight finish and are journaled."""
    conn = require_conn(flow)
    job = services.runner.get(job_id)
    if job is None or job.identity != conn.identity:
        raise UsageError("That job is not running on this server any more.")
    job.cancel.set()


def followed_job(flow: Flow, services: Services) -> Job | None:
    """The job the page shows: a write running on this server from any tab or browser, else this browser's last."""
    with flow.lock:
        conn, own = flow.conn, flow.job
    running = _writing_job(services, conn) if conn is not None else None
    return running or own


def collect(flow: Flow) -> list[tuple[str, str]]:
    """Take in the result of this browser's finished job once (the preview's plan, the run's summary); returns
    the messages to show."""
    with flow.lock:
        job = flow.job
        if job is None or not job.finished or flow.collected == job.id:
            return []
        flow.collected = job.id
        if job.state is JobState.FAILED:
            return [("error", job.error or "The job failed.")]
        if job.kind in (PREVIEW, RESTORE_PREVIEW):
            if job.state is JobState.CANCELLED or not isinstance(job.result, Plan):
                return [("warning", "Preview cancelled.")]
            plan: Plan = job.result
            several = len(plan.libraries) > 1 and flow.conn is not None
            names = flow.conn.library_names([s.key for s in flow.conn.libraries()]) if several and flow.conn else {}
            flow.plan, flow.rows, flow.summary = plan, plan_rows(plan, names), None
            return []
        if isinstance(job.result, RunSummary):
            flow.summary = job.result
            if not job.result.dry_run:  # after a real run the preview is out of date; a dry run changed nothing
                flow.plan, flow.rows = None, []
            if job.state is JobState.CANCELLED:
                return [("warning", f"Run {job.result.run_id} cancelled: what was written stays written and is "
                                    "journaled; finish it from the banner or undo it in History.")]
        return []


def resumable(flow: Flow, services: Services) -> RunInfo | None:
    """The newest unfinished sync on this server and user that may be resumed (the app's rule decides)."""
    with flow.lock:
        conn = flow.conn
    if conn is None or _writing_job(services, conn) is not None:
        return None
    for run in services.app.history(conn.identity):
        if run.kind == RunKind.SYNC and not run.finished:
            return run if services.app.resume_blocker(run, conn.identity) is None else None
    return None
