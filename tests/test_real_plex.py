"""Real PMS, not our picture of it (issue 12): lookups, paging and metadata reads against the strict emulator.

The strict emulator behaves as public captures of real servers show: a `guid=` filter sees only an item's own guid
attribute, a listing without X-Plex-Container-Size is refused with 400, and a metadata request naming one missing key
is a 404 for the whole request. Everything here goes through real HTTP.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex import read_ratings
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.errors import PlexError
from ratings_to_plex.plex.client import MAX_PAGE, ItemGone, PlexClient
from ratings_to_plex.plex.index import index_library
from ratings_to_plex.plex.scan import read_items
from ratings_to_plex.resume import current_items
from ratings_to_plex.sync import SyncOptions, execute_plan, prepare_plan

from .real_plex_helpers import legacy_imdb_library, movies_with, new_agent_movies, write_export

LISTING = "GET /library/sections/{id}/all"
LOOKUP = "GET /library/all"
METADATA = "GET /library/metadata/{rk}"


@pytest.fixture(scope="module")
def new_agent() -> Iterator[Emulator]:
    """3,456 movies and 10 shows, sections on the new Plex agents (the generator's mix of item agents)."""
    with Emulator(EmulatorConfig(movies=3_456, shows=10, episodes_per_show=4, seed=21)) as emu:
        yield emu


@pytest.fixture(scope="module")
def legacy() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(seed=22), library=legacy_imdb_library(2_500)) as emu:
        yield emu


def record(client: PlexClient) -> list[Any]:
    """Every request the client's session sends from now on (the prepared requests, headers included)."""
    sent: list[Any] = []
    client.server._session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request))
    return sent


def sync(emu: Emulator, csv_path: Path, tmp_path: Path, **options: Any) -> Any:
    """One sync of `csv_path` into every library of `emu` (test_request_counts uses it too)."""
    client = PlexClient.connect(emu.url, emu.token)
    opts = SyncOptions(all_libraries=True, **options)
    plan, sections = prepare_plan(client, read_ratings(csv_path), opts)
    return execute_plan(client, plan, sections, opts, report_dir=tmp_path / "reports")


# -- 1. lookups only where a real server can answer them ------------------------------------------------------------
def test_new_agent_rows_are_never_looked_up_one_by_one(new_agent: Emulator, tmp_path: Path) -> None:
    """On real PMS `guid=imdb://…` finds nothing for new-agent items: a five-row file costs the scan alone (the old
    client sent five lookups, found nothing, then paid the totals and the scan on top)."""
    items = new_agent_movies(new_agent)[:5]
    new_agent.counters.reset()
    summary = sync(new_agent, write_export(tmp_path / "five.csv", items), tmp_path)
    snapshot = new_agent.counters.snapshot()
    assert summary.tally.counts["Updated"] == 5
    assert LOOKUP not in snapshot
    assert snapshot[LISTING] == 4 + 1  # ⌈3,456/1,000⌉ movie pages + one show page: no Size=0 pricing requests


def test_legacy_imdb_library_is_looked_up_when_cheaper(legacy: Emulator, tmp_path: Path) -> None:
    items = movies_with(legacy, "com.plexapp.agents.imdb://")[:2]
    legacy.counters.reset()
    summary = sync(legacy, write_export(tmp_path / "two.csv", items), tmp_path)
    snapshot = legacy.counters.snapshot()
    assert summary.tally.counts["Updated"] == 2
    assert snapshot[LOOKUP] == 2  # by the items' own guid, `com.plexapp.agents.imdb://tt…?lang=en`
    assert snapshot[LISTING] == 1  # the Size=0 total that priced the scan (3 pages) against 2 lookups


def test_a_lookup_that_misses_pays_the_scan_once_and_finds_by_title(legacy: Emulator, tmp_path: Path) -> None:
    """An unmatched (`local://`) copy of a film has no id: the lookup misses, the scan finds it by title + year."""
    local = movies_with(legacy, "local://")[0]
    found = movies_with(legacy, "com.plexapp.agents.imdb://")[5]
    path = tmp_path / "miss.csv"
    write_export(path, [found])
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["tt7654321", 7, "2024-01-02", local.title, "", "movie", "7.0", "100", local.year,
                                 "Drama", "1000", "", ""])
    legacy.counters.reset()
    summary = sync(legacy, path, tmp_path, plan=_force())
    snapshot = legacy.counters.snapshot()
    assert summary.tally.counts["Updated"] == 2
    assert snapshot[LOOKUP] == 2
    assert snapshot[LISTING] == 1 + 3 + 1  # the total, then three movie pages and the (empty) show section's one


def test_many_rows_scan_a_legacy_library_without_lookups(legacy: Emulator, tmp_path: Path) -> None:
    items = movies_with(legacy, "com.plexapp.agents.imdb://")[:10]  # 10 lookups vs 3 pages
    legacy.counters.reset()
    sync(legacy, write_export(tmp_path / "ten.csv", items), tmp_path)
    snapshot = legacy.counters.snapshot()
    assert LOOKUP not in snapshot and snapshot[LISTING] == 1 + 3 + 1


def _force() -> Any:
    from ratings_to_plex.plan import PlanOptions

    return PlanOptions(force=True)


# -- 2. paging headers on every listing, pages ≤ 1,000 ---------------------------------------------------------------
def test_every_listing_sends_a_container_size_of_at_most_1000(new_agent: Emulator, tmp_path: Path) -> None:
    client = PlexClient.connect(new_agent.url, new_agent.token)
    sent = record(client)
    rows = read_ratings(write_export(tmp_path / "all.csv", new_agent_movies(new_agent)[:20])).rows
    index = index_library(client, client.sections(), list(rows), workers=3)
    show = next(i for i in new_agent.library.items.values() if i.type == "show")
    client.list_all(f"/library/metadata/{show.rating_key}/allLeaves")
    client.list_all(f"/library/metadata/{show.rating_key}/children")
    read_items(client, [i.rating_key for i in index.items[:450]])
    listings = [r for r in sent if "/all" in r.url or "/allLeaves" in r.url or "/children" in r.url or "," in r.url]
    assert len(listings) >= 5 + 2 + 3
    for request in listings:
        assert 0 < int(request.headers["X-Plex-Container-Size"]) <= MAX_PAGE, request.url
        assert "X-Plex-Container-Start" in request.headers


def test_a_listing_without_container_size_is_refused_like_real_pms(new_agent: Emulator) -> None:
    client = PlexClient.connect(new_agent.url, new_agent.token)
    with pytest.raises(PlexError) as caught:
        client.get("/library/sections/1/all?type=1")
    assert not isinstance(caught.value, ItemGone)  # a 400 is not "gone"
    assert len(client.get("/library/sections/1/all?type=1", start=0, size=10)) == 10


def test_list_all_pages_through_and_stops_at_the_last_page(new_agent: Emulator) -> None:
    client = PlexClient.connect(new_agent.url, new_agent.token)
    new_agent.counters.reset()
    elements = client.list_all("/library/sections/1/all?type=1", page_size=1_000)
    assert len(elements) == 3_456 and new_agent.counters.get(LISTING) == 4


# -- 3. metadata read back: one deleted item does not blind undo and resume ------------------------------------------
def test_one_deleted_item_is_the_only_one_reported_gone(tmp_path: Path) -> None:
    with Emulator(EmulatorConfig(movies=600, shows=0, seed=23)) as emu:
        keys = sorted(emu.library.sections[1].keys_by_type["movie"])[:450]
        gone = {keys[17], keys[301]}
        for key in gone:
            del emu.library.items[key]
        client = PlexClient.connect(emu.url, emu.token)
        emu.counters.reset()
        found = current_items(client, keys)  # what undo and resume call
        assert set(keys) - set(found) == gone
        assert all(found[k].title == emu.library.items[k].title for k in found)
        # 3 batches; each holding a deleted key is bisected down to it: about 2·log2(200) requests, not 200.
        assert emu.counters.get(METADATA) <= 3 + 2 * 2 * 8


def test_only_a_404_means_gone(tmp_path: Path) -> None:
    with Emulator(EmulatorConfig(movies=50, shows=0, seed=24)) as emu:
        keys = sorted(emu.library.sections[1].keys_by_type["movie"])
        client = PlexClient.connect(emu.url, emu.token, retry=_no_retry())
        emu.faults.rate_500 = 1.0  # every request fails with a server error now
        with pytest.raises(PlexError) as caught:
            read_items(client, keys)
        assert not isinstance(caught.value, ItemGone)


def _no_retry() -> Any:
    from ratings_to_plex.plex.client import RetryPolicy

    return RetryPolicy(attempts=0, backoff_s=0.0)
