"""Plan finishing an interrupted run from its journal: re-read what may not have landed, plan only what is missing.

A change journaled `writing` may or may not have reached Plex before the process died. Re-reading the item tells
which, so no write is repeated (a second scrobble would count a second view) and none is lost. The one executor,
`executor.run_plan`, writes the plan under the run's own id. Also the read-back helpers undo shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .journal import ChangeRecord, JournalDB
from .model import ChangeState, RunInfo, RunKind
from .plan import Change, Plan
from .plex.client import PlexClient
from .plex.discover import KEY_BASE
from .plex.items import LibraryItem
from .plex.scan import read_items
from .report import BREAKDOWN, EXTRA, Label, counts_key

BATCH: Final = 200  # rating keys per metadata request: ~1.5 kB of URL, well within what servers accept
_EPSILON: Final = 0.01
GONE: Final = "the item is no longer on the server"


def same_rating(a: float | None, b: float | None) -> bool:
    """Ratings equal as Plex shows them (None = unrated)."""
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < _EPSILON)


def current_items(client: PlexClient, keys: Iterable[int]) -> dict[int, LibraryItem]:
    """The items' state now; an item absent from the result is gone (only a 404 says so: `plex.scan.read_items`)."""
    return read_items(client, keys, batch=BATCH)


def stub_item(record: ChangeRecord) -> LibraryItem:
    """A stand-in for an item the server no longer has, so it can still be reported and journaled."""
    return LibraryItem(record.rating_key, record.section_id or 0, record.item_type, record.title, None, None, None,
                       (), None, 0, None)


def plan_resume(client: PlexClient, journal: JournalDB, run: RunInfo) -> Plan:
    """Compare every change not journaled `applied` with the item's current state.

    Whether the run may be resumed (finished, another server, still being written) is the application session's
    rule (`app.rules`); this only plans.
    """
    records = journal.changes(run.id, (ChangeState.PLANNED, ChangeState.WRITING, ChangeState.FAILED))
    items = current_items(client, (r.rating_key for r in records))
    plan = Plan(None, [], [], kind=RunKind.RESUME, target=run, libraries=list(run.libraries))
    for rec in records:
        item = items.get(rec.rating_key)
        if item is None:
            plan.gone.append(Change(stub_item(rec), None, rec.old_rating, rec.new_rating, rec.set_rating,
                                    rec.old_watched, rec.watched))
            continue
        rating_due = rec.set_rating and not same_rating(item.user_rating, rec.new_rating)
        watched_due = rec.watched is not None and item.watched != rec.watched
        if rating_due or watched_due:
            plan.changes.append(Change(item, None, rec.old_rating, rec.new_rating, rating_due, rec.old_watched,
                                       rec.watched if watched_due else None))
        else:
            plan.landed.append(Change(item, None, rec.old_rating, rec.new_rating, rec.set_rating, rec.old_watched,
                                      rec.watched))
    return plan


def run_counts(run: RunInfo, records: list[ChangeRecord]) -> dict[str, int]:
    """The run's breakdown: the planned counts journaled at its start, with the write counts taken from the journal."""
    counts: dict[str, int] = {label: int(run.counts.get(counts_key(label), 0)) for label in BREAKDOWN + EXTRA}
    failed = sum(1 for r in records if r.state == "failed")
    pending = sum(1 for r in records if r.state not in ("applied", "failed"))  # never attempted, or in flight
    counts[Label.EXPORTED_FAILURES] += failed + pending - counts[Label.RATE_FAILED] - counts[Label.NOT_ATTEMPTED]
    counts[Label.RATE_FAILED], counts[Label.NOT_ATTEMPTED] = failed, pending
    rated = [r for r in records if r.state == "applied" and r.set_rating]
    counts[Label.RATED_ON_DISCOVER] = sum(1 for r in rated if r.rating_key >= KEY_BASE)
    counts[Label.UPDATED] = len(rated) - counts[Label.RATED_ON_DISCOVER]
    counts[Label.MARKED_WATCHED] = sum(1 for r in records if r.state == "applied" and r.watched)
    return counts
