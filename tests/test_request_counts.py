"""Request counts of a sync, read from the emulator's counters (and, for the listing type, from the client's session).

These pin the performance behaviour that does not depend on the machine: how many pages a scan costs, that plexapi's
auto-reload never fires, which lookup strategy a file gets, that episodes are listed only when needed, and that a
second run writes nothing. Wall time is the benchmark's business (benchmarks/sync.py), never asserted here.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex import read_ratings
from ratings_to_plex.emulator import Emulator, EmulatorConfig, Item
from ratings_to_plex.plex.client import PlexClient
from ratings_to_plex.plex.index import scan_sections, section_totals
from ratings_to_plex.sync import SyncOptions, build_index

from . import real_plex_helpers
from .real_plex_helpers import legacy_imdb_library
from .test_real_plex import sync

ROOT = Path(__file__).resolve().parent.parent
LISTING = "GET /library/sections/{id}/all"
LOOKUP = "GET /library/all"


@pytest.fixture(scope="module")
def big() -> Iterator[Emulator]:
    """12,345 movies and 40 shows × 5 episodes (module-scoped for speed: each test prices its rows off the current
    ratings and resets the counters)."""
    with Emulator(EmulatorConfig(movies=12_345, shows=40, episodes_per_show=5, seed=11)) as emu:
        yield emu


def with_imdb_guid(emu: Emulator, kind: str) -> list[Item]:
    """Items of a type carrying an `imdb://` Guid child (what a per-id lookup can find)."""
    return [i for i in emu.library.items.values()
            if i.type == kind and any(g.startswith("imdb://") for g in i.guids)]


def write_export(path: Path, emu: Emulator, items: list[Item], rating: float | None = None) -> Path:
    """real_plex_helpers' IMDb export of `items`, episodes titled by their show in `emu`'s library."""
    return real_plex_helpers.write_export(path, items, rating, library=emu.library)


def record_urls(client: PlexClient) -> list[str]:
    """Every URL the client's session sends from now on."""
    urls: list[str] = []

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        urls.append(response.request.url)

    client.server._session.hooks["response"].append(hook)
    return urls


# -- scanning ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("movies", "page_size"), [(2_345, 1_000), (2_345, 500), (2_000, 1_000), (999, 1_000),
                                                  (1_001, 1_000), (2_345, 100)])
def test_scan_costs_one_listing_request_per_page(movies: int, page_size: int) -> None:
    with Emulator(EmulatorConfig(movies=movies, shows=0, seed=5)) as emu:
        client = PlexClient.connect(emu.url, emu.token)
        sections = client.sections()
        emu.counters.reset()
        totals = section_totals(client, sections, ("movie", "show"))
        assert emu.counters.get(LISTING) == 2  # one Size=0 request per (section, type): movies, shows
        index = scan_sections(client, totals, sections, page_size=page_size, workers=4)
        assert emu.counters.get(LISTING) == 2 + math.ceil(movies / page_size)
        assert emu.counters.total() == emu.counters.get(LISTING)
        assert index.size == movies  # every page arrived, none twice
        assert {i.rating_key for i in index.items} == {i.rating_key for i in emu.library.items.values()}


def test_scan_of_a_whole_library_lists_movies_shows_and_episodes_once(big: Emulator) -> None:
    client = PlexClient.connect(big.url, big.token)
    sections = client.sections()
    urls = record_urls(client)
    totals = section_totals(client, sections, ("movie", "show", "episode"))
    assert totals == {(1, "movie"): 12_345, (2, "show"): 40, (2, "episode"): 200}
    index = scan_sections(client, totals, sections, page_size=1_000, workers=3)
    listings = [u for u in urls if "includeGuids=1" in u]
    assert len(listings) == 13 + 1 + 1  # ⌈12,345/1,000⌉ + ⌈40/1,000⌉ + ⌈200/1,000⌉
    assert index.size == 12_345 + 40 + 200


# -- no auto-reload ----------------------------------------------------------------------------------------------------
def test_sync_never_reads_single_items_even_with_plexapi_auto_reload_on(
        big: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEXAPI_PLEXAPI_AUTORELOAD", "true")  # the tests' default is off; users have it on
    items = with_imdb_guid(big, "movie")[:350] + with_imdb_guid(big, "show")[:5] + with_imdb_guid(big, "episode")[:5]
    big.counters.reset()
    summary = sync(big, write_export(tmp_path / "ratings.csv", big, items), tmp_path)
    snapshot = big.counters.snapshot()
    assert summary.tally.counts["Updated"] == len(items)
    assert not [k for k in snapshot if k.startswith("GET /library/metadata")], snapshot
    assert snapshot["PUT /:/rate"] == len(items)


# -- strategy ----------------------------------------------------------------------------------------------------------
# Real PMS answers `guid=` from an item's own guid only (never its <Guid> children): new-agent sections are always
# listed, and per-id lookups are priced only for legacy IMDb-agent sections (tests/test_real_plex.py has more).
@pytest.fixture(scope="module")
def legacy() -> Iterator[Emulator]:
    """5,000 movies in a legacy IMDb-agent section (items' own guids carry their IMDb ids)."""
    with Emulator(EmulatorConfig(seed=12), library=legacy_imdb_library(5_000, seed=12)) as emu:
        yield emu


def legacy_movies(emu: Emulator) -> list[Item]:
    return [i for i in emu.library.items.values() if i.guid.startswith("com.plexapp.agents.imdb://")]


def test_a_five_row_file_on_new_agent_sections_costs_the_scan_alone(big: Emulator, tmp_path: Path) -> None:
    items = with_imdb_guid(big, "movie")[:5]
    big.counters.reset()
    summary = sync(big, write_export(tmp_path / "five.csv", big, items), tmp_path)
    snapshot = big.counters.snapshot()
    assert summary.tally.counts["Updated"] == 5
    assert LOOKUP not in snapshot  # a real server would find nothing by `guid=imdb://…` here
    assert snapshot[LISTING] == 13 + 1  # the floor: ⌈12,345/1,000⌉ movie pages + one show page, no Size=0 totals
    assert big.counters.reads() <= 13 + 1 + 2  # + server root and section list


def test_a_large_file_scans(big: Emulator, tmp_path: Path) -> None:
    items = with_imdb_guid(big, "movie")[:400]
    big.counters.reset()
    sync(big, write_export(tmp_path / "large.csv", big, items), tmp_path)
    snapshot = big.counters.snapshot()
    assert LOOKUP not in snapshot
    assert snapshot[LISTING] == 13 + 1


def test_a_mid_size_file_scans_a_legacy_library_when_scanning_costs_fewer_requests(
        legacy: Emulator, tmp_path: Path) -> None:
    items = legacy_movies(legacy)[:30]  # 30 lookups vs 5 pages
    client = PlexClient.connect(legacy.url, legacy.token)
    source = read_ratings(write_export(tmp_path / "thirty.csv", legacy, items))
    legacy.counters.reset()
    index = build_index(client, client.sections(), source.rows, SyncOptions(all_libraries=True))
    assert index.complete and LOOKUP not in legacy.counters.snapshot()
    assert legacy.counters.get(LISTING) == 1 + 5 + 1  # the movies' total that priced it, 5 pages, the show page


def test_a_mid_size_file_looks_a_legacy_library_up_when_lookups_are_cheaper(legacy: Emulator, tmp_path: Path) -> None:
    items = legacy_movies(legacy)[:30]  # with pages of 100, a scan would cost 50 pages
    client = PlexClient.connect(legacy.url, legacy.token)
    source = read_ratings(write_export(tmp_path / "thirty.csv", legacy, items))
    legacy.counters.reset()
    index = build_index(client, client.sections(), source.rows, SyncOptions(all_libraries=True, page_size=100))
    assert not index.complete
    assert legacy.counters.get(LOOKUP) == 30 and legacy.counters.get(LISTING) == 1
    assert all(index.find_guid(f"imdb://{i.imdb_id}") for i in items)


def test_per_row_lookups_on_a_legacy_library_need_no_scan(legacy: Emulator, tmp_path: Path) -> None:
    items = legacy_movies(legacy)[:3]
    client = PlexClient.connect(legacy.url, legacy.token)
    source = read_ratings(write_export(tmp_path / "legacy.csv", legacy, items))
    legacy.counters.reset()
    index = build_index(client, client.sections(), source.rows, SyncOptions(all_libraries=True))
    assert legacy.counters.get(LOOKUP) == 3 and legacy.counters.get(LISTING) == 1  # the lookups and their price
    assert all(index.find_guid(f"imdb://{i.imdb_id}") for i in items)


# -- episodes ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lookup", ["scan", "auto"])
def test_episodes_are_listed_only_when_the_file_has_episode_rows(big: Emulator, tmp_path: Path, lookup: str) -> None:
    client = PlexClient.connect(big.url, big.token)
    sections = client.sections()
    options = SyncOptions(all_libraries=True, lookup=lookup, per_row_limit=0)  # always a scan
    without = read_ratings(write_export(tmp_path / "no-episodes.csv", big,
                                        with_imdb_guid(big, "movie")[:20] + with_imdb_guid(big, "show")[:5]))
    urls = record_urls(client)
    build_index(client, sections, without.rows, options)
    assert urls and not [u for u in urls if "type=4" in u]

    with_episodes = read_ratings(write_export(tmp_path / "episodes.csv", big,
                                              with_imdb_guid(big, "movie")[:20] + with_imdb_guid(big, "episode")[:3]))
    urls.clear()
    index = build_index(client, sections, with_episodes.rows, options)
    episode_requests = [u for u in urls if "type=4" in u]
    assert len(episode_requests) == 1  # its one page (whose totalSize says there is no other)
    assert sum(1 for i in index.items if i.type == "episode") == 200


# -- second run --------------------------------------------------------------------------------------------------------
def test_second_run_writes_nothing(tmp_path: Path) -> None:
    with Emulator(EmulatorConfig(movies=800, shows=20, episodes_per_show=3, seed=2)) as emu:
        items = (with_imdb_guid(emu, "movie")[:150] + with_imdb_guid(emu, "show")[:5]
                 + with_imdb_guid(emu, "episode")[:5])
        export = write_export(tmp_path / "ratings.csv", emu, items)
        first = sync(emu, export, tmp_path)
        assert first.tally.counts["Updated"] == len(items) and emu.counters.writes() == len(items)
        emu.counters.reset()
        second = sync(emu, export, tmp_path)
        assert emu.counters.writes() == 0
        assert second.tally.counts["Updated"] == 0 and second.tally.counts["Skipped unchanged"] == len(items)
        assert not [k for k in emu.counters.snapshot() if k.startswith("GET /library/metadata")]


# -- the benchmark script ----------------------------------------------------------------------------------------------
def test_benchmark_quick_run_prints_the_table() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sync.py"), "--quick"],
                         capture_output=True, text=True, timeout=240, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert "| workload | approach | wall s | reads | writes | client peak RSS MB | naive/ours |" in lines
    for label in ("W1", "W2", "W3"):
        assert any(line.startswith(f"| {label} | ours |") for line in lines)
        assert any(line.startswith(f"| {label} | naive |") for line in lines)
    w2 = next(line for line in lines if line.startswith("| W2 | ours |")).split("|")
    assert w2[5].strip() == "0"  # the second run writes nothing
