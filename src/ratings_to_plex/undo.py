"""Plan an undo: the reverse writes of a run, built from the journal (the one executor, `executor.run_plan`, writes
them and journals the undo as a run of its own, kind `undo`, so it can itself be undone).

Before writing, every item is re-read: one whose value is no longer what the run wrote was changed by someone else
since, and is skipped and reported rather than overwritten. Un-marking a show un-watches all of its episodes, so the
episodes that were watched before the run (journaled with the show) are marked watched again afterwards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Final

from .apply import UPDATED, Outcome
from .journal import ChangeRecord, JournalDB
from .model import POSSIBLY_WRITTEN, RunInfo, RunKind
from .plan import Change, Plan, Skipped
from .plex.client import PlexClient
from .plex.discover import on_discover
from .plex.items import LibraryItem
from .report import BREAKDOWN, EXTRA, UNDO_LABELS, Label, fmt_rating
from .resume import GONE, current_items, same_rating

CHANGED_SINCE: Final = Label.CHANGED_SINCE
ALREADY_RESTORED: Final = Label.ALREADY_RESTORED
MARKED_UNWATCHED: Final = Label.MARKED_UNWATCHED


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


def plan_undo(client: PlexClient, journal: JournalDB, run: RunInfo) -> Plan:
    """Read every item the run wrote (or may have written) and plan writing its previous values back.

    Whether the run may be undone at all (dry run, already undone, another server, still being written) is the
    application session's rule (`app.rules`); this only plans.
    """
    records = journal.changes(run.id, POSSIBLY_WRITTEN)
    leaves = {r.rating_key: journal.leaves(run.id, r.rating_key) for r in records
              if r.watched and r.item_type in ("show", "season")}
    items = current_items(client, {r.rating_key for r in records} | {k for v in leaves.values() for k in v})
    plan = Plan(None, [], [], kind=RunKind.UNDO, target=run, libraries=list(run.libraries))
    for record in records:
        item = items.get(record.rating_key)
        result = reverse_change(record, item) if item is not None else GONE
        if isinstance(result, Change):
            plan.changes.append(result)
            for key, views in leaves.get(record.rating_key, {}).items():
                if result.watched is False and views > 0:
                    plan.parents.setdefault(key, set()).add(record.rating_key)
        elif isinstance(result, str):
            plan.skipped.append(Skipped(record.rating_key, record.title, result))
        else:
            plan.already += 1
    _plan_rewatch(plan, items)
    return plan


def _plan_rewatch(plan: Plan, items: dict[int, LibraryItem]) -> None:
    """Episodes watched before the run are marked again after their show is un-marked (one change per item)."""
    by_key = {c.item.rating_key: c for c in plan.changes}
    for key in sorted(plan.parents):
        episode = items.get(key)
        if episode is None:
            continue
        base = by_key.pop(key, None)  # the episode's own restore, if any, goes with it
        if base is not None:
            plan.changes.remove(base)
        plan.followups.append(Change(episode, None, episode.user_rating, base.new_rating if base else None,
                                     bool(base and base.set_rating), episode.watched, True))


def ready_followups(plan: Plan, outcomes: Sequence[Outcome]) -> list[Change]:
    """Phase two: mark episodes watched again, only under shows that were un-marked (else the count would grow)."""
    done = {o.change.item.rating_key for o in outcomes if o.status == UPDATED}
    return [c if plan.parents[c.item.rating_key] <= done else dataclasses.replace(c, watched=None)
            for c in plan.followups]


def undo_counts(plan: Plan, outcomes: Sequence[Outcome], dry_run: bool) -> dict[str, int]:
    """The undo's breakdown: restores, marks, what was already as before and what was skipped. A rating put back
    on Plex Discover counts under `Rated on Discover`, as the sync that wrote it did, not under `Updated`."""
    counts: dict[str, int] = dict.fromkeys(BREAKDOWN + EXTRA + UNDO_LABELS, 0)
    by_key = {o.change.item.rating_key: o for o in outcomes}
    for change in plan.writes:
        outcome = by_key.get(change.item.rating_key)
        if not dry_run and (outcome is None or outcome.status != UPDATED):
            counts[Label.RATE_FAILED] += 1
            continue
        counts[Label.RATED_ON_DISCOVER if on_discover(change.item) else Label.UPDATED] += int(change.set_rating)
        counts[Label.MARKED_WATCHED] += int(change.watched is True)
        counts[MARKED_UNWATCHED] += int(change.watched is False)
    counts[CHANGED_SINCE] = len(plan.skipped)
    counts[ALREADY_RESTORED] = plan.already
    return counts
