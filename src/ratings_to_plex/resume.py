"""Finish an interrupted run from its journal: re-read what may not have landed, write only what is still missing.

A change journaled `writing` may or may not have reached Plex before the process died. Re-reading the item tells
which, so no write is repeated (a second scrobble would count a second view) and none is lost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .apply import FAILED, UPDATED, Outcome, Progress, RunStopped, apply_plan
from .errors import AuthError, JournalError, PlexConnectionError, PlexError, RatingsToPlexError, UsageError
from .journal import ChangeRecord, JournalDB, RunInfo, file_hash
from .plan import Change, Plan
from .plex.client import PlexClient
from .plex.items import LibraryItem
from .report import BREAKDOWN, EXTRA, Tally, breakdown_lines, counts_key, stamp
from .runlog import RunLog
from .sources.model import ReadResult
from .sync import RunSummary

BATCH: Final = 200  # rating keys per metadata request: ~1.5 kB of URL, well within what servers accept
_EPSILON: Final = 0.01
GONE: Final = "the item is no longer on the server"


def same_rating(a: float | None, b: float | None) -> bool:
    """Ratings equal as Plex shows them (None = unrated)."""
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < _EPSILON)


def current_items(client: PlexClient, keys: Iterable[int]) -> dict[int, LibraryItem]:
    """The items' state now, read with `GET /library/metadata/{k1,k2,…}` in batches; deleted items are absent."""
    wanted = sorted(set(keys))
    found: dict[int, LibraryItem] = {}
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        try:
            root = client.get("/library/metadata/" + ",".join(map(str, chunk)))
        except (AuthError, PlexConnectionError):
            raise
        except PlexError:  # 404: none of this batch exists any more
            continue
        for el in root:
            if el.attrib.get("ratingKey", "").isdigit():
                item = LibraryItem.from_element(el, 0)
                found[item.rating_key] = item
    return found


def check_server(client: PlexClient, run: RunInfo) -> None:
    """Refuse to resume or undo a run against a different server than the one it wrote to."""
    if run.machine_id and client.machine_identifier and run.machine_id != client.machine_identifier:
        raise UsageError(f"Run {run.id} wrote to {run.server_name} ({run.server_url}), but {client.url} is another "
                         f"server ({client.name}): pass that server's --url, or leave --url out.")


def stub_item(record: ChangeRecord) -> LibraryItem:
    """A stand-in for an item the server no longer has, so it can still be reported and journaled."""
    return LibraryItem(record.rating_key, record.section_id or 0, record.item_type, record.title, None, None, None,
                       (), None, 0, None)


def find_unfinished(journal: JournalDB, file: Path) -> RunInfo | None:
    """The newest unfinished sync of this exact file (same content hash), if no later sync of it finished."""
    return journal.unfinished_for(file_hash(file)) if file.is_file() else None


@dataclass
class ResumePlan:
    """What is left of an interrupted run, after asking the server what actually landed."""

    run: RunInfo
    landed: list[Change] = field(default_factory=list)  # written before the interruption: only journal them
    todo: list[Change] = field(default_factory=list)  # still to write (only the parts that did not land)
    gone: list[Change] = field(default_factory=list)  # deleted from the server since: failed


def plan_resume(client: PlexClient, journal: JournalDB, run: RunInfo) -> ResumePlan:
    """Compare every change not journaled `applied` with the item's current state."""
    if journal.running_elsewhere(run.id):
        raise JournalError(f"Run {run.id} is still running in another process: let it finish (or stop it) "
                           "before resuming it.")
    check_server(client, run)
    records = journal.changes(run.id, ("planned", "writing", "failed"))
    items = current_items(client, (r.rating_key for r in records))
    plan = ResumePlan(run)
    for rec in records:
        item = items.get(rec.rating_key)
        if item is None:
            plan.gone.append(Change(stub_item(rec), None, rec.old_rating, rec.new_rating, rec.set_rating,
                                    rec.old_watched, rec.watched))
            continue
        rating_due = rec.set_rating and not same_rating(item.user_rating, rec.new_rating)
        watched_due = rec.watched is not None and item.watched != rec.watched
        if rating_due or watched_due:
            plan.todo.append(Change(item, None, rec.old_rating, rec.new_rating, rating_due, rec.old_watched,
                                    rec.watched if watched_due else None))
        else:
            plan.landed.append(Change(item, None, rec.old_rating, rec.new_rating, rec.set_rating, rec.old_watched,
                                      rec.watched))
    return plan


def run_counts(run: RunInfo, records: list[ChangeRecord]) -> dict[str, int]:
    """The run's breakdown: the planned counts journaled at its start, with the write counts taken from the journal."""
    counts = {label: int(run.counts.get(counts_key(label), 0)) for label in BREAKDOWN + EXTRA}
    failed = sum(1 for r in records if r.state == "failed")
    pending = sum(1 for r in records if r.state not in ("applied", "failed"))  # never attempted, or in flight
    counts["Exported failures"] += failed + pending - counts["Rate failed errors"] - counts["Not attempted"]
    counts["Rate failed errors"], counts["Not attempted"] = failed, pending
    counts["Updated"] = sum(1 for r in records if r.state == "applied" and r.set_rating)
    counts["Marked watched"] = sum(1 for r in records if r.state == "applied" and r.watched)
    return counts


def execute_resume(client: PlexClient, journal: JournalDB, plan: ResumePlan, *, report_dir: Path,
                   workers: int, source: ReadResult | None = None, echo: Callable[[str], None] | None = None,
                   cancel: threading.Event | None = None,
                   on_progress: Callable[[Progress], None] | None = None) -> RunSummary:
    """Journal what already landed, write the rest through `apply_plan`, and finish the run under its own id."""
    run = plan.run
    recorder = journal.recorder(run.id, client)
    recorder.reopen()
    log = RunLog(report_dir, stamp(), echo)
    log.line(f"Resuming run {run.id} ({run.file or 'plan'} → {client.name}): {len(plan.landed)} change(s) "
             f"already written before the interruption, {len(plan.todo)} to write"
             + (f", {len(plan.gone)} no longer on the server" if plan.gone else ""))
    outcomes: list[Outcome] = []
    now = time.time()
    for change in plan.landed:
        outcome = Outcome(change, UPDATED, change.set_rating, change.watched is not None, None, now)
        recorder.after(outcome)
        outcomes.append(outcome)
    for change in plan.gone:
        outcome = Outcome(change, FAILED, error=GONE, finished_at=now)
        recorder.after(outcome)
        outcomes.append(outcome)
        log.warning(f'Rate failed for "{change.item.display_title}": {GONE}')

    status = "done"
    try:
        outcomes += apply_plan(client, plan.todo, workers=workers, journal=recorder, on_outcome=log.outcome,
                               on_progress=on_progress, cancel=cancel)
        if cancel is not None and cancel.is_set():
            status = "cancelled"
    except RunStopped as stop:
        outcomes += stop.outcomes
        status = "stopped"
        log.warning(str(stop))
    counts = run_counts(run, journal.changes(run.id))
    for line in breakdown_lines(counts):
        log.line(line)
    recorder.finish(status, {counts_key(k): v for k, v in counts.items()})
    log.close()
    changes = [*plan.landed, *plan.gone, *plan.todo]
    return RunSummary(run.id, False, Plan(source, [], changes), outcomes, Tally(counts), status, None, log.path)


def unfinished_note(file: Path) -> str | None:
    """What `sync` says at its start when this file's last run did not finish (never fatal: it is only advice)."""
    try:
        journal = JournalDB()
        run = find_unfinished(journal, file)
    except (OSError, RatingsToPlexError):
        return None
    if run is None:
        return None
    if journal.running_elsewhere(run.id):
        return f"Run {run.id} for this file is still running in another process."
    return f"Run {run.id} for this file did not finish: add --resume to finish it."
