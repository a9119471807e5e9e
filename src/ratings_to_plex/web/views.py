"""What the page shows, as plain values for the templates: the Plex card, the file, the preview table (sorted,
filtered and paged on the server, so a 20,000-row plan stays a light page on a phone), the job, the history.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from ..app import Identity, Job, JobState, JournalCorrupt, RunInfo, RunSummary
from ..app.format import breakdown_lines, plan_summary, rows_in
from ..app.rows import CATEGORIES, PreviewRow, counts
from .backups import FORMAT_LABELS
from .flow import POLICIES, Flow, Services
from .household import user_choices
from .jobs import PREVIEW, RESTORE_PREVIEW, collect, followed_job, resumable
from .signin import PinState

if TYPE_CHECKING:
    from ..app.account import ServerInfo

PAGE_ROWS: Final = 200
COLUMNS: Final = (("title", "Title"), ("year", "Year"), ("current", "Current"), ("new", "New"), ("reason", "Reason"))
_JOB_TITLES: Final = {"preview": "Preview", "write": "Writing to Plex", "dry-run": "Dry run (nothing is written)",
                      "undo": "Undo", "resume": "Finishing a run", RESTORE_PREVIEW: "Restore preview"}
_STATE_LABELS: Final = {JobState.RUNNING: "running", JobState.DONE: "done", JobState.FAILED: "failed",
                        JobState.CANCELLED: "cancelled"}


def _number(text: str) -> float:
    head = text.split(" ", 1)[0]
    try:
        return float(head)
    except ValueError:
        return -1.0


_SORT_KEYS: Final[dict[str, Callable[[PreviewRow], Any]]] = {
    "title": lambda r: r.title.casefold(), "year": lambda r: r.year or "0", "current": lambda r: _number(r.current),
    "new": lambda r: _number(r.new), "reason": lambda r: r.reason.casefold(),
}


@dataclass
class PreviewView:
    rows: list[PreviewRow]
    summary: str
    writes: int
    categories: list[tuple[str, str, int]]
    show: str
    q: str
    sort: str
    page: int
    pages: int
    matching: int
    columns: tuple[tuple[str, str], ...] = COLUMNS

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def desc(self) -> bool:
        return self.sort.startswith("-")

    def _url(self, **changes: Any) -> str:
        params = {"show": self.show, "q": self.q, "sort": self.sort, "page": self.page, **changes}
        return "/?" + urlencode({k: v for k, v in params.items() if v not in ("", None, "all", 1)}) + "#preview"

    def sort_url(self, key: str) -> str:
        return self._url(sort=f"-{key}" if self.sort == key else key, page=1)

    def page_url(self, page: int) -> str:
        return self._url(page=page)


def preview_view(rows: list[PreviewRow], summary: str, writes: int, query: dict[str, str]) -> PreviewView:
    """Filter (category and text), sort and page the preview's rows for one page view."""
    show = query.get("show", "all")
    q = query.get("q", "").strip()
    sort = query.get("sort", "")
    tally = counts(rows)
    categories = [(key or "all", label, tally.get(key, 0)) for key, label in CATEGORIES
                  if key is None or tally.get(key, 0)]
    chosen = [r for r in rows if show == "all" or r.category == show]
    if q:
        needle = q.casefold()
        chosen = [r for r in chosen if needle in r.title.casefold() or needle in r.reason.casefold()]
    key = _SORT_KEYS.get(sort.lstrip("-"))
    if key is not None:
        chosen = sorted(chosen, key=key, reverse=sort.startswith("-"))
    pages = max(1, math.ceil(len(chosen) / PAGE_ROWS))
    try:
        page = min(pages, max(1, int(query.get("page", "1"))))
    except ValueError:
        page = 1
    shown = chosen[(page - 1) * PAGE_ROWS: page * PAGE_ROWS]
    return PreviewView(shown, summary, writes, categories, show, q, sort, page, pages, len(chosen))


def job_view(job: Job | None, state: JobState) -> dict[str, Any] | None:
    """The job block as of `state` (taken once per page); a preview that ended well is not shown (its table says
    it all)."""
    if job is None or (job.kind in (PREVIEW, RESTORE_PREVIEW) and state is JobState.DONE):
        return None
    progress = job.progress
    done, total = (progress.done, progress.total) if progress else (0, 0)
    return {"id": job.id, "state": str(state), "state_label": _STATE_LABELS.get(state, str(state)),
            "title": _JOB_TITLES.get(job.kind, job.kind), "done": done, "total": total,
            "text": progress_text(job), "active": state is JobState.RUNNING, "error": job.error}


def progress_text(job: Job) -> str:
    """"1,234 of 5,000 written · about 12 s left", or the job's latest log line while it reads."""
    p = job.progress
    if p is not None and p.total:
        eta = f" · about {p.eta_s:.0f} s left" if p.eta_s and p.eta_s >= 1 and not job.finished else ""
        return f"{p.done:,} of {p.total:,} written{eta}"
    from ..app import LogLine

    lines = [e.text for e in job.events() if isinstance(e, LogLine)]
    return lines[-1] if lines else ("Working…" if not job.finished else "")


def result_view(summary: RunSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {"run_id": summary.run_id, "status": str(summary.status).replace("_", " "), "kind": str(summary.kind),
            "breakdown": "\n".join(_breakdown(summary)),
            "unmatched": summary.unmatched_csv is not None, "log": summary.run_log is not None}


def _breakdown(summary: RunSummary) -> list[str]:
    """The breakdown; for a restore or an undo only the counts that happened (the sync labels about the file's
    rows — not found, missing IMDb ID… — are always 0 there)."""
    lines = breakdown_lines(summary.counts, summary.dry_run)
    if summary.kind == "sync":
        return lines
    return lines[:1] + ([line for line in lines[1:] if not line.endswith(": 0")] or ["  Nothing to change."])


def history_view(flow: Flow, services: Services) -> list[dict[str, Any]]:
    """This server's runs, newest first, each with whether the app allows undoing it."""
    conn = flow.conn
    runs = services.app.history(conn.identity if conn is not None else None)
    return [_history_row(run, services, conn.identity if conn is not None else None) for run in runs[:50]]


def _history_row(run: RunInfo, services: Services, identity: Identity | None) -> dict[str, Any]:
    started = datetime.fromtimestamp(run.started_at).strftime("%Y-%m-%d %H:%M") if run.started_at else ""
    what = f"undo of run {run.undo_of}" if run.kind == "undo" else (Path(run.file).name if run.file else run.kind)
    blocker = services.app.undo_blocker(run, identity) if identity is not None else "Connect to a server first."
    return {"run_id": run.id, "date": started, "file": what, "server": run.server_name or "",
            "user": run.user_name or ("your account" if not run.user_id else "a Plex Home user"),
            "updated": run.applied, "failed": run.failed, "status": str(run.status).replace("_", " "),
            "undone": f"by run {run.undone_by}" if run.undone_by is not None else "", "undoable": blocker is None,
            "detail": blocker or f"Run {run.id}: {what} → {run.server_name or 'a server'}"}


def page_context(flow: Flow, services: Services, query: dict[str, str]) -> dict[str, Any]:
    """Everything index.html needs, and the messages of a job taken in. One look at the job's state serves the
    whole page: a job ending while the page is made shows as running (its end reloads the page), never as ended
    without its result."""
    job = followed_job(flow, services)
    state = job.state if job is not None else JobState.DONE
    messages = collect(flow)  # after the look: whatever had ended by then is taken in
    with flow.lock:
        conn, pin, source, plan, rows = flow.conn, flow.pin, flow.source, flow.plan, list(flow.rows)
        servers, choices = list(flow.servers), flow.choices
    busy = job is not None and state is JobState.RUNNING
    plex: dict[str, Any] = {
        "signed_in": flow.signed_in, "connected": conn is not None, "url": flow.url,
        "label": conn.identity.label if conn is not None else ("Signed in to Plex" if flow.token else ""),
        "server_name": conn.name if conn is not None else "",
        "pin": {"url": pin.url, "state": str(pin.state.value), "message": pin.message}
        if pin and pin.state is not PinState.APPROVED else None,
        "servers": [{"id": s.client_identifier, "label": _server_label(s, servers), "selected": conn is not None
                     and conn.identity.machine_id == s.client_identifier} for s in servers],
    }
    plex.update(users=user_choices(flow), account=flow.account, acting=conn.identity.user_name if conn else "")
    if conn is not None and not servers:  # connected by URL: the one server there is
        plex["servers"] = [{"id": conn.identity.machine_id, "label": conn.identity.label, "selected": True}]
    libraries = [{"key": str(s.key), "title": s.title, "kind": "movie library" if s.type == "movie" else "TV library",
                  "selected": str(s.key) in choices.libraries} for s in (conn.libraries() if conn else [])]
    return {
        "plex": plex, "libraries": libraries, "options": choices, "policies": POLICIES, "busy": busy,
        "source": _source_view(flow), "job": job_view(job, state), "result": result_view(flow.summary),
        "followed": {"id": job.id if job else "", "state": str(state) if job else ""}, "collected": messages,
        "preview": preview_view(rows, plan_summary(plan), len(plan.writes), query) if plan is not None else None,
        "preview_title": "Restore preview" if plan is not None and plan.kind == "restore" else "Preview",
        "out": _out_view(flow),
        **_journal_views(flow, services, source is not None or conn is not None),
        "import_files": services.imports.listing() if services.imports else None,
    }


def _out_view(flow: Flow) -> dict[str, Any]:
    """Export ratings… and Restore from backup…: the formats, the last export's files, the backup chosen."""
    exported, backup, stored = flow.exported, flow.backup, flow.backup_file
    files = []
    if exported is not None:
        files = [{"href": f"/exports/{n}", "name": p.name, "kb": max(1, p.stat().st_size // 1024) if p.is_file()
                  else 0} for n, p in enumerate(exported.files, 1)]
    choice = flow.export_choice
    picked = choice.libraries if choice.libraries or choice.all_libraries else None  # None: the Preview form's
    return {"formats": FORMAT_LABELS, "files": files, "choice": choice, "picked": picked,
            "zip": exported is not None and exported.archive is not None,
            "count": exported.items if exported else 0, "notes": list(exported.notes) if exported else [],
            "backup": None if backup is None or stored is None else
            f"{stored.name}: {len(backup.items):,} items of {backup.server_name or 'a server'}"
            f"{' (' + backup.user + ')' if backup.user else ''}, exported {_when(backup.exported_at)}"}


def _when(iso: str) -> str:
    """`2026-11-30T20:07:00+00:00` → `2026-11-30 20:07 UTC` (as written when it is not such a date)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.utcoffset() == timedelta(0) else "")


def _server_label(server: ServerInfo, servers: list[ServerInfo]) -> str:
    """The server's name; where two share it, with its address or identifier so they can be told apart."""
    if sum(1 for s in servers if s.name == server.name) < 2:
        return server.name
    where = server.connections[0].split("://", 1)[-1] if server.connections else server.client_identifier[:8]
    return f"{server.name} ({where})"


def _journal_views(flow: Flow, services: Services, wanted: bool) -> dict[str, Any]:
    """History and the resume banner; a damaged journal becomes a message with its way out, not an error page."""
    try:
        return {"history": history_view(flow, services), "resume": _resume_view(flow, services) if wanted else None,
                "journal_problem": None}
    except JournalCorrupt as exc:
        problem = str(exc).split(": ratings-to-plex history", 1)[0] + " with the button below."
        return {"history": [], "resume": None, "journal_problem": problem}


def _source_view(flow: Flow) -> dict[str, Any] | None:
    source, stored = flow.source, flow.file
    if source is None or stored is None:
        return None
    return {"name": stored.name, "text": detected_text(flow)}


def detected_text(flow: Flow) -> str:
    """`ratings.csv: IMDb ratings, 2024 format · 54 rows · 3 cannot be used` — what was read from the file."""
    source, stored = flow.source, flow.file
    if source is None or stored is None:
        return ""
    rows, problems = rows_in(source), sum(source.problem_counts().values())
    text = f"{stored.name}: {source.description or source.format} · {rows} row{'' if rows == 1 else 's'}"
    return text + (f" · {problems} cannot be used" if problems else "")


def _resume_view(flow: Flow, services: Services) -> dict[str, Any] | None:
    run = resumable(flow, services)
    if run is None:
        return None
    return {"run_id": run.id, "file": Path(run.file).name if run.file else f"run {run.id}", "applied": run.applied,
            "total": run.applied + run.failed + run.pending}
