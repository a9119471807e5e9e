"""The application layer: the one session every interface (CLI, desktop app, web UI) drives. No Tk, no typer, no
printing. Interfaces import `ratings_to_plex.app` (and `ratings_to_plex.model`) — never the engine stages.

API summary
-----------
`AppSession(journal_path=…, report_dir=…, workers=16, verify=True)`; `AppSession.default(report_dir=None, …)` uses
the user's folders. Thread-safe. Every method raises `RatingsToPlexError` subclasses whose text is shown as is.

Connecting — identity is the server's machine identifier plus the Plex user, never a name:
    connect_url(url, token, user_id=None, user_name="", account_token=None)   -> Connection
    connect_server(name_or_machine_id, token, servers=None, user_id=None, user_name="", account_token=None)
      (a Plex Home user: their user_id/name and server token; `account_token` reaches Plex Discover as them)
    Connection: .client, .identity (model.Identity), .name, .url, .libraries() (movie/TV Sections), .sections(),
                .library_names(keys)
    As the signed-in account itself (no user_id), identity.account_id tells accounts apart: the plex.tv uuid, or
    for a bare URL + token a one-way fingerprint of the token (`app.accounts`); undo/resume/history honour it.
Reading and planning (nothing written):
    read(paths, options=None, format=None)    -> list[ReadResult]   (every file read and checked first;
      `format`, one of SOURCE_FORMATS' names, overrides detection — the interfaces' format menu)
    libraries_for(conn, SyncOptions)          -> list[Section]      (the sections these options name)
    preview(conn, source, SyncOptions, on_event=…) -> Plan          (plan.identity = conn.identity)
    plan_undo(conn, run_id)                   -> Plan (kind UNDO)   (rules checked: see below)
    plan_resume(conn, run_id)                 -> Plan (kind RESUME)
Writing — the only way to write; one executor for every kind:
    write(conn, plan, dry_run=False, cancel=threading.Event, on_event=…) -> model.RunSummary
      refuses a plan made for another identity; one writer per (server, user) across processes (lock file);
      re-checks the undo/resume rules at the last moment; a dry run with a damaged journal still runs.
The journal and its rules (`app.rules`, one implementation each):
    history(identity=None, include_dry_runs=False) -> list[model.RunInfo] (newest first; each run's reports as
      RunInfo.unmatched_csv / RunInfo.run_log — paths, None when it wrote none or predates recording them);
    reports(run) -> {"unmatched_csv"|"run_log": Path} — only those still on disk, for History to offer
    run(run_id) -> RunInfo;  undo_target(run_id | None, identity=None) -> (RunInfo, note | None)  (`--last`)
    undo_blocker(run, identity=None) / resume_blocker(run, identity=None) -> reason in words | None
      may be undone: not a dry run, not already undone, wrote (or may have written: `writing`/`failed` rows)
      something, not being written by another process, same server machine id AND same user.
      may be resumed: unfinished, not undone, not a dry run, not being written elsewhere, same server AND user.
    unfinished_run(file, identity=None) -> RunInfo | None  (honours `undone_by`; same file content)
    running_elsewhere(run_id) -> bool;  move_journal_aside() -> Path (for `JournalCorrupt`);  close()

Events (`app.events`, passed to `on_event` and kept by jobs): LogLine(text, level), ProgressUpdate(done, total,
eta_s), RunFinished(summary), JobFailed(message), JobEnded(state, result) — always a job's last event.

Jobs (`app.jobs`) for the desktop app and the web UI (the CLI calls the session synchronously):
    runner = JobRunner();  job = runner.start(kind, target(job) -> result, identity=…, writes=True|False)
    Job: .id .kind .identity .state (JobState RUNNING/DONE/FAILED/CANCELLED) .progress .result .error .cancel
         (threading.Event: pass to write(cancel=job.cancel)), .emit(event) (use as on_event), .log(text),
         .events(after=n, timeout=s) — any number of followers (browser tabs) each read from their own position,
         .wait(timeout). A second writing job for the same identity raises `JobBusy`.
    runner.get(id), runner.jobs(), runner.running(), runner.shutdown().

Adding a planner (e.g. restore, Discover): write `plan_x(client, journal, …) -> Plan` with `kind=RunKind.X`
(`model.RunKind`), filling `changes` (and `target` if it is about a journaled run); add its counting and header to
`executor._count`/`_header` if the sync ones do not fit; expose `AppSession.plan_x(conn, …)` that checks its rule
and sets `plan.identity = conn.identity`. `write` then journals, applies, cancels and reports it like any other.

Export and restore (`app.backup`, methods of the session): export_ratings(conn, SyncOptions, fmt, out,
watched=False) -> ExportResult; read_backup(path) -> Backup; ratings_backup(conn, SyncOptions) -> Backup (a user's
ratings in memory, to copy to another Home user); plan_restore(conn, backup, libraries=()) -> Plan (kind RESTORE).

Showing (`app.format`, `app.rows`): fmt_rating, stars, plan_summary, rows_in, the breakdown labels, a match's
status; plan_rows(plan, library_names) -> PreviewRow list with CATEGORIES and counts — the preview table of the
desktop app and the web UI alike.

Account (`app.account`): the stored token, PIN sign-in (`PinLogin`), the account's servers (`prefetch_servers`,
`ServerInfo` — `client_identifier` is the machine id), remembered settings (`load_config`, `save_config`,
`remember`, `remembered_libraries`).
"""

from __future__ import annotations

from ..apply import DEFAULT_WORKERS
from ..journal import JournalCorrupt
from ..model import Identity, RunInfo, RunKind, RunStatus, RunSummary
from ..plan import POLICIES, Change, Plan, PlanOptions, SkipReason
from ..plex.client import Section
from ..plex.discover import DISCOVER_ENV, DISCOVER_LIBRARY, DISCOVER_SECTION
from ..sources import FORMATS, format_info
from ..sources.model import TITLE_TYPES, ReadResult
from ..sync import SyncOptions
from . import rules
from .connection import Connection
from .events import Event, JobEnded, JobFailed, Level, LogLine, ProgressUpdate, RunFinished
from .jobs import Job, JobBusy, JobRunner, JobState
from .session import AppSession

#: (format name, label) of every format a file can be read as, for a "format" menu; the names are `read(format=…)`'s.
SOURCE_FORMATS: tuple[tuple[str, str], ...] = tuple((name, format_info(name).label) for name in FORMATS)

__all__ = [
    "DEFAULT_WORKERS", "DISCOVER_ENV", "DISCOVER_LIBRARY", "DISCOVER_SECTION", "POLICIES", "SOURCE_FORMATS",
    "TITLE_TYPES", "AppSession", "Change", "Connection", "Event", "Identity", "Job", "JobBusy", "JobEnded",
    "JobFailed", "JobRunner", "JobState",
    "JournalCorrupt", "Level", "LogLine", "Plan", "PlanOptions", "ProgressUpdate", "ReadResult", "RunFinished",
    "RunInfo", "RunKind", "RunStatus", "RunSummary", "Section", "SkipReason", "SyncOptions", "rules",
]
