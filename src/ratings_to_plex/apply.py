"""Apply a plan's writes concurrently (bounded pool), with progress callbacks, cancellation and a journal seam.

Retries happen below, in the HTTP adapter (`plex.client.RetryPolicy`); here a change that still fails becomes a
`failed` outcome and the run goes on — except for a rejected token, which stops the run (nothing else can succeed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from queue import SimpleQueue
from typing import Final, Protocol

from .errors import AuthError, PlexConnectionError, PlexError, RatingsToPlexError
from .model import OutcomeStatus
from .plan import Change
from .plex.client import PlexClient, rated_at_epoch
from .plex.items import LibraryItem
from .security import redact

UPDATED: Final = OutcomeStatus.UPDATED  # the rating and/or watched state was written
FAILED: Final = OutcomeStatus.FAILED
CANCELLED: Final = OutcomeStatus.CANCELLED  # never attempted: the run was cancelled or stopped first
# Writes are tiny and latency-bound: with 20 ms per round trip, 8 in flight cap a run at ~400 writes/s and 16 at
# ~800 (benchmarks/README.md). A home server queues what it cannot run at once; it does not fail.
DEFAULT_WORKERS: Final = 16
SCROBBLE_TRIES: Final = 5  # a scrobble whose answer was lost is re-sent (after checking) at most this often
LOST_AFTER: Final = 3  # this many writes in a row failing to reach the server (at least `workers`) stop the run


@dataclass(frozen=True, slots=True)
class Outcome:
    change: Change
    status: OutcomeStatus
    rated: bool = False
    watched: bool = False
    error: str | None = None
    finished_at: float = 0.0
    unreachable: bool = False  # failed because the server could not be reached (after retries)


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int
    elapsed_s: float

    @property
    def eta_s(self) -> float | None:
        if not self.done or self.done >= self.total:
            return None if not self.done else 0.0
        return self.elapsed_s / self.done * (self.total - self.done)


class Journal(Protocol):
    """What `apply_plan` tells the journal: the previous values before a write, the outcome after."""

    def before(self, change: Change) -> None: ...

    def after(self, outcome: Outcome) -> None: ...


class RunStopped(RatingsToPlexError):
    """Raised after the pool drains when a change failed in a way no later change can avoid (token revoked)."""

    exit_code = 3

    def __init__(self, message: str, outcomes: list[Outcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


def apply_change(client: PlexClient, change: Change) -> Outcome:
    """Write one change: the rating first, then the watched mark. Errors become a failed outcome."""
    rated = watched = False
    try:
        if change.set_rating:
            client.rate(change.item.rating_key, change.item.type, change.new_rating,
                        rated_at=rated_at_epoch(change.row.rated_at if change.row else None))
            rated = True
        if change.watched is not None:
            _mark_watched(client, change)
            watched = True
    except AuthError:
        raise
    except PlexConnectionError as exc:
        return Outcome(change, FAILED, rated, watched, redact(str(exc)), time.time(), unreachable=True)
    except RatingsToPlexError as exc:
        return Outcome(change, FAILED, rated, watched, redact(str(exc)), time.time())
    return Outcome(change, UPDATED, rated, watched, None, time.time())


def _mark_watched(client: PlexClient, change: Change) -> None:
    """Mark (un)watched. A scrobble adds a view each time it lands and a lost answer does not mean it did not land,
    so the transport never retries it: here, after a failure, the item is read again and the scrobble re-sent only
    if the item is still unwatched. (Unscrobbling is idempotent; the transport retries it like any request.)"""
    watched = bool(change.watched)
    for attempt in range(1, SCROBBLE_TRIES + 1):
        try:
            client.mark_watched(change.item.rating_key, change.item.type, watched)
            return
        except PlexConnectionError:
            if not watched or attempt == SCROBBLE_TRIES:
                raise
        time.sleep(min(0.1 * 2 ** attempt, 2.0))
        root = client.get(f"/library/metadata/{change.item.rating_key}")
        if any(LibraryItem.from_element(el, 0).watched for el in root if "ratingKey" in el.attrib):
            return  # the lost scrobble did land


def apply_plan(
    client: PlexClient,
    changes: Sequence[Change],
    *,
    workers: int = DEFAULT_WORKERS,
    journal: Journal | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[Outcome]:
    """Apply every writing change; returns one outcome per change, in the changes' order.

    At most `workers` writes are in flight. Cancelling stops new writes; those in flight finish and are journaled.
    A revoked token (401), or losing the server (several writes in a row unreachable after retries), stops the run
    the same way, then raises `RunStopped` with the outcomes so far attached.
    """
    todo = [c for c in changes if c.writes]
    outcomes: dict[int, Outcome] = {}
    cancel = cancel or threading.Event()
    stop_error: list[PlexError] = []
    unreachable_streak = 0
    started = time.monotonic()

    def run(change: Change) -> Outcome:
        if cancel.is_set():  # queued before the stop: leave it `planned` in the journal for --resume
            return Outcome(change, CANCELLED)
        if journal:
            journal.before(change)
        try:
            outcome = apply_change(client, change)
        except AuthError as exc:
            stop_error.append(exc)
            cancel.set()
            outcome = Outcome(change, FAILED, error=str(exc), finished_at=time.time())
        if journal:
            journal.after(outcome)
        return outcome

    for index, outcome in _in_pool(todo, run, workers, cancel):
        outcomes[index] = outcome
        unreachable_streak = unreachable_streak + 1 if outcome.unreachable else 0
        if unreachable_streak >= max(LOST_AFTER, workers) and not stop_error:
            stop_error.append(PlexConnectionError(
                f"{outcome.error} Stopped after {unreachable_streak} writes in a row failed."))
            cancel.set()
        if on_outcome:
            on_outcome(outcome)
        if on_progress:
            on_progress(Progress(len(outcomes), len(todo), time.monotonic() - started))
    result = [outcomes.get(i) or Outcome(c, CANCELLED) for i, c in enumerate(todo)]
    if stop_error:
        raise RunStopped(str(stop_error[0]), result) from None
    return result


def _in_pool(todo: Sequence[Change], run: Callable[[Change], Outcome], workers: int,
             cancel: threading.Event) -> Iterator[tuple[int, Outcome]]:
    """(position, outcome) of each attempted change as it completes; at most `workers` in flight and twice that
    queued, none submitted once `cancel` is set (those queued before come back CANCELLED and are left out).
    Completions arrive on a queue: `concurrent.futures.wait` on the 2×workers pending futures locked and unlocked
    every one of them for each completion."""
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="r2p-apply") as pool:
        finished: SimpleQueue[tuple[int, Future[Outcome]]] = SimpleQueue()
        queue = iter(enumerate(todo))
        in_flight = 0
        exhausted = False
        while True:
            while not exhausted and not cancel.is_set() and in_flight < max(1, workers) * 2:
                nxt = next(queue, None)
                if nxt is None:
                    exhausted = True
                    break
                future = pool.submit(run, nxt[1])
                future.add_done_callback(partial(_report, finished, nxt[0]))
                in_flight += 1
            if not in_flight:
                break
            index, future = finished.get()
            in_flight -= 1
            outcome = future.result()
            if outcome.status != CANCELLED:
                yield index, outcome


def _report(finished: SimpleQueue[tuple[int, Future[Outcome]]], index: int, future: Future[Outcome]) -> None:
    finished.put((index, future))
