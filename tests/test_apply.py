"""apply_plan: bounded concurrency, cancellation, a failing item does not stop the run, a 401 does."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from ratings_to_plex.apply import CANCELLED, FAILED, UPDATED, Outcome, Progress, RunStopped, apply_plan
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.plan import PlanOptions, plan_change
from ratings_to_plex.plex.client import PlexClient, RetryPolicy
from ratings_to_plex.plex.items import LibraryItem

from .engine_helpers import row


@pytest.fixture
def emu(emulator: Callable[..., Emulator]) -> Emulator:
    return emulator(movies=120, shows=0, seed=3)


def changes_for(emu: Emulator, n: int) -> list:  # type: ignore[type-arg]
    items = [i for i in emu.library.items.values() if i.type == "movie"][:n]
    out = []
    for it in items:
        lib_item = LibraryItem(it.rating_key, 1, "movie", it.title, None, None, it.year, (), it.user_rating,
                               0, None)
        new = 3.0 if it.user_rating != 3.0 else 4.0
        out.append(plan_change(row(it.title, it.year, rating=new), lib_item, PlanOptions()))
    return out


def test_progress_and_outcomes_in_order(emu: Emulator) -> None:
    client = PlexClient.connect(emu.url, emu.token)
    changes = changes_for(emu, 40)
    seen: list[Progress] = []
    outcomes = apply_plan(client, changes, workers=4, on_progress=seen.append)
    assert [o.change for o in outcomes] == changes and all(o.status == UPDATED for o in outcomes)
    assert seen[-1].done == seen[-1].total == 40 and seen[-1].eta_s == 0.0
    assert emu.counters.snapshot()["PUT /:/rate"] == 40


def test_cancel_stops_new_writes_and_marks_the_rest(emu: Emulator) -> None:
    emu.faults.latency_ms = 30
    client = PlexClient.connect(emu.url, emu.token)
    cancel = threading.Event()

    def stop_after_five(_: Outcome) -> None:
        if emu.counters.writes() >= 5:
            cancel.set()

    outcomes = apply_plan(client, changes_for(emu, 60), workers=2, cancel=cancel, on_outcome=stop_after_five)
    done = [o for o in outcomes if o.status == UPDATED]
    assert 5 <= len(done) < 60
    assert all(o.status == CANCELLED for o in outcomes if o.status != UPDATED)
    assert emu.counters.writes() == len(done)


def test_one_bad_item_fails_alone(emu: Emulator) -> None:
    client = PlexClient.connect(emu.url, emu.token, retry=RetryPolicy(attempts=1, backoff_s=0))
    changes = changes_for(emu, 5)
    ghost = LibraryItem(999_999, 1, "movie", "Ghost", None, None, 2000, (), None, 0, None)
    changes.insert(2, plan_change(row("Ghost"), ghost, PlanOptions()))
    outcomes = apply_plan(client, changes, workers=2)
    assert [o.status for o in outcomes].count(FAILED) == 1 and outcomes[2].status == FAILED
    assert "no such item" in (outcomes[2].error or "")


def test_revoked_token_stops_the_run(emu: Emulator) -> None:
    client = PlexClient.connect(emu.url, emu.token)
    emu.revoke_token()
    with pytest.raises(RunStopped, match="sign in again") as info:
        apply_plan(client, changes_for(emu, 20), workers=2)
    assert all(o.status in (FAILED, CANCELLED) for o in info.value.outcomes)
