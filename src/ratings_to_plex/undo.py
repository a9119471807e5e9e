"""Undo a run: a reverse plan built from the journal, written through the same `apply_plan` and journaled as a run.

Because the undo is an ordinary run (kind `undo`, `undo_of` = the run it reverses), it can itself be undone.
Before writing, every item is re-read: one whose value is no longer what the run wrote was changed by someone else
since, and is skipped and reported rather than overwritten. Un-marking a show un-watches all of its episodes, so the
episodes that were watched before the run (journaled with the show) are marked watched again afterwards.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from .apply import UPDATED, Outcome, Progress, RunStopped, apply_plan
from .errors import UsageError
from .journal import ChangeRecord, JournalDB, RunInfo
from .plan import Change, Plan
from .plex.client import PlexClient
from .plex.items import LibraryItem
from .report import BREAKDOWN, EXTRA, Tally, counts_key, fmt_rating, stamp, update_line, watched_line
from .resume import GONE, check_server, current_items, same_rating
from .runlog import RunLog
from .sync import RunSummary

CHANGED_SINCE: Final = "Skipped changed since"
ALREADY_RESTORED: Final = "Already restored"
MARKED_UNWATCHED: Final = "Marked unwatched"
UNDO_LABELS: Final = (CHANGED_SINCE, ALREADY_RESTORED, MARKED_UNWATCHED)


@dataclass
class Skipped:
    record: ChangeRecord
    reason: str


@dataclass
class UndoPlan:
    """The reverse writes of one run, and what is left alone (and why)."""

    run: RunInfo
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # changed by someone else since, or gone
    already: int = 0  # already back at the previous value, or never written: nothing to do
    rewatch: list[Change] = field(default_factory=list)  # episodes to mark again once their show is un-marked
    parents: dict[int, set[int]] = field(default_factory=dict)  # episode → the shows/seasons it waits for

    @property
    def writes(self) -> list[Change]:
        return self.changes + self.rewatch


def reverse_change(record: ChangeRecord, item: LibraryItem) -> Change | str | None:
    """The write that puts `item` back as it was before `record`; a reason to skip it; or None when nothing to do."""
    rating_back = False
    if record.set_rating and not same_rating(record.old_rating, record.new_rating):
        if same_rating(item.user_rating, record.new_rating):
            rating_back = True
        elif not same_rating(item.user_rating, record.old_rating):
            return (f"its rating is now {fmt_rating(item.user_rating)}, not the {fmt_rating(record.new_rating)} "
                    f"run {record.run_id} wrote (changed since)")
    # A run only ever flips watched one way; flip it back only if it still is as the run left it.
    watched_back = record.watched is not None and record.watched != record.old_watched \
        and item.watched == record.watched
    if not (rating_back or watched_back):
        return None
    return Change(item, None, item.user_rating, record.old_rating, rating_back, item.watched,
                  record.old_watched if watched_back else None)


def plan_undo(client: PlexClient, journal: JournalDB, run: RunInfo) -> UndoPlan:
    """Read every item the run wrote (or may have written) and plan writing its previous values back."""
    if run.dry_run:
        raise UsageError(f"Run {run.id} was a dry run: it wrote nothing, so there is nothing to undo.")
    check_server(client, run)
    records = journal.changes(run.id, ("applied", "writing", "failed"))
    leaves = {r.rating_key: journal.leaves(run.id, r.rating_key) for r in records
              if r.watched and r.item_type in ("show", "season")}
    items = current_items(client, {r.rating_key for r in records} | {k for v in leaves.values() for k in v})
    plan = UndoPlan(run)
    for record in records:
        item = items.get(record.rating_key)
        result = reverse_change(record, item) if item is not None else GONE
        if isinstance(result, Change):
            plan.changes.append(result)
            for key, views in leaves.get(record.rating_key, {}).items():
                if result.watched is False and views > 0:
                    plan.parents.setdefault(key, set()).add(record.rating_key)
        elif isinstance(result, str):
            plan.skipped.append(Skipped(record, result))
        else:
            plan.already += 1
    by_key = {c.item.rating_key: c for c in plan.changes}
    for key in sorted(plan.parents):
        episode = items.get(key)
        if episode is None:
            continue
        base = by_key.pop(key, None)  # the episode's own restore, if any, goes with it (one change per item)
        if base is not None:
            plan.changes.remove(base)
        plan.rewatch.append(Change(episode, None, episode.user_rating, base.new_rating if base else None,
                                   bool(base and base.set_rating), episode.watched, True))
    return plan


def _rewatch(plan: UndoPlan, outcomes: list[Outcome]) -> list[Change]:
    """Phase two: mark episodes watched again, only under shows that were un-marked (else the count would grow)."""
    done = {o.change.item.rating_key for o in outcomes if o.status == UPDATED}
    return [c if plan.parents[c.item.rating_key] <= done else dataclasses.replace(c, watched=None)
            for c in plan.rewatch]


def _counts(plan: UndoPlan, outcomes: list[Outcome], dry_run: bool) -> dict[str, int]:
    counts = dict.fromkeys(BREAKDOWN + EXTRA + UNDO_LABELS, 0)
    by_key = {o.change.item.rating_key: o for o in outcomes}
    for change in plan.writes:
        outcome = by_key.get(change.item.rating_key)
        if not dry_run and (outcome is None or outcome.status != UPDATED):
            counts["Rate failed errors"] += 1
            continue
        counts["Updated"] += int(change.set_rating)
        counts["Marked watched"] += int(change.watched is True)
        counts[MARKED_UNWATCHED] += int(change.watched is False)
    counts[CHANGED_SINCE] = len(plan.skipped)
    counts[ALREADY_RESTORED] = plan.already
    return counts


def execute_undo(client: PlexClient, journal: JournalDB, plan: UndoPlan, *, report_dir: Path, workers: int,
                 dry_run: bool = False, echo: Callable[[str], None] | None = None,
                 cancel: threading.Event | None = None,
                 on_progress: Callable[[Progress], None] | None = None) -> RunSummary:
    """Journal the reverse plan as a run of its own, apply it (unless dry run) and report."""
    run = plan.run
    recorder = journal.start_run(
        [] if dry_run else plan.writes, client=client, kind="undo", undo_of=run.id, dry_run=int(dry_run), file=run.file,
        server_name=client.name, server_url=client.url, machine_id=client.machine_identifier,
        libraries=run.libraries, options={"undo_of": run.id})
    log = RunLog(report_dir, stamp(), echo)
    log.line(f"Run {recorder.run_id}: undo of run {run.id} ({run.file or run.kind}) on {client.name}"
             + (" — dry run, nothing will be written" if dry_run else ""))
    for skipped in plan.skipped:
        log.warning(f'Skipped "{skipped.record.title}": {skipped.reason}')
    outcomes: list[Outcome] = []
    status = "dry_run" if dry_run else "done"
    if dry_run:
        for change in plan.writes:
            if change.set_rating:
                log.line(update_line(change, dry_run=True))
            if change.watched is not None:
                log.line(watched_line(change, dry_run=True))
    else:
        def restored(o: Outcome) -> None:
            log.outcome(o, verb="Restored")

        try:
            outcomes = apply_plan(client, plan.changes, workers=workers, journal=recorder, on_outcome=restored,
                                  on_progress=on_progress, cancel=cancel)
            if not (cancel is not None and cancel.is_set()):
                outcomes += apply_plan(client, _rewatch(plan, outcomes), workers=workers, journal=recorder,
                                       on_outcome=restored, on_progress=on_progress, cancel=cancel)
            if cancel is not None and cancel.is_set():
                status = "cancelled"
        except RunStopped as stop:
            outcomes, status = outcomes + stop.outcomes, "stopped"
            log.warning(str(stop))
    counts = _counts(plan, outcomes, dry_run)
    log.line(f"Undo of run {run.id}: {counts['Updated']} rating(s) restored, {counts[MARKED_UNWATCHED]} marked "
             f"unwatched, {counts['Marked watched']} marked watched, {counts[ALREADY_RESTORED]} already as before, "
             f"{counts[CHANGED_SINCE]} skipped (changed since or gone), {counts['Rate failed errors']} failed")
    recorder.finish(status, {counts_key(k): v for k, v in counts.items()})
    if status == "done":
        journal.mark_undone(run.id, recorder.run_id)
    log.close()
    return RunSummary(recorder.run_id, dry_run, Plan(None, [], plan.writes), outcomes, Tally(counts), status,
                      None, log.path)
