"""Each new source imported into the strict emulator through real HTTP (issue 15): exactly the items its fixture
names get exactly its ratings — films and shows by id, seasons and episodes by their ids or by show + numbers — and
every other row is counted under its breakdown label."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.emulator.library import Item
from ratings_to_plex.plex.client import PlexClient
from ratings_to_plex.sources import read_ratings
from ratings_to_plex.sync import SyncOptions, execute_plan, prepare_plan

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def name(emu: Emulator, item: Item) -> str:
    """`Title (Year)`, `Show S2` or `Show S1E3`: how the assertions name an item."""
    items = emu.library.items
    if item.type == "season" and item.parent_key is not None:
        return f"{items[item.parent_key].title} S{item.index}"
    if item.type == "episode" and item.parent_key is not None and item.grandparent_key is not None:
        return f"{items[item.grandparent_key].title} S{items[item.parent_key].index}E{item.index}"
    return f"{item.title} ({item.year})"


def import_file(path: Path, tmp_path: Path) -> tuple[dict[str, float | None], dict[str, int]]:
    """Sync `path` into a fresh demo emulator; what changed (item → new rating) and the non-zero counts."""
    with Emulator(EmulatorConfig(demo=True)) as emu:
        before = {key: state.user_rating for key, state in emu.state().items()}
        client = PlexClient.connect(emu.url, emu.token)
        options = SyncOptions(all_libraries=True)
        plan, sections = prepare_plan(client, read_ratings(path), options)
        summary = execute_plan(client, plan, sections, options, report_dir=tmp_path / "reports")
        after = {key: state.user_rating for key, state in emu.state().items()}
        changed = {name(emu, emu.library.items[key]): after[key] for key in after if after[key] != before[key]}
    return changed, {label: n for label, n in summary.tally.counts.items() if n}


def trakt_zip(tmp_path: Path) -> Path:
    path = tmp_path / "trakt.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted((FIXTURES / "trakt").glob("ratings-*.json")):
            archive.write(member, member.name)
    return path


@pytest.mark.parametrize(("fixture", "changed", "counts"), [
    ("tmdb_ratings.csv",
     {"The Matrix (1999)": 9.5, "Breaking Bad S2": 8.0, "Breaking Bad S1E1": 7.0, "Game of Thrones (2011)": 4.5},
     # Breaking Bad is 10 already; Age of Ultron is not in the library
     {"Updated": 4, "Skipped unchanged": 1, "Not found in Plex": 1, "Invalid rating value": 5,
      "Exported failures": 6}),
    ("trakt.zip",
     {"Heat (1995)": 8.0, "Amélie (2001)": 10.0, "Breaking Bad (2008)": 9.0, "Breaking Bad S2": 7.0,
      "Breaking Bad S1E3": 10.0},  # S0E1 (a special) is not in the library
     {"Updated": 5, "Not found in Plex": 1, "Invalid rating value": 2, "Exported failures": 3}),
    ("simkl_backup.json", {"Heat (1995)": 9.0, "Spirited Away (2001)": 7.0},
     {"Updated": 2, "Skipped unchanged": 1, "Not found in Plex": 2, "Invalid rating value": 1,
      "Empty rating skipped": 1, "Exported failures": 4}),
    ("simkl_backup.csv", {"Heat (1995)": 9.0},
     {"Updated": 1, "Skipped unchanged": 1, "Not found in Plex": 1, "Invalid rating value": 1,
      "Empty rating skipped": 1, "Exported failures": 3}),
    ("criticker_ratings.csv", {"Heat (1995)": 9.0, "Amélie (2001)": 5.0},
     {"Updated": 2, "Skipped unchanged": 1, "Not found in Plex": 2, "Invalid rating value": 2,
      "Exported failures": 4}),
    ("criticker_ratings.xml", {"Heat (1995)": 9.0},
     {"Updated": 1, "Skipped unchanged": 1, "Not found in Plex": 1, "Invalid rating value": 1,
      "Exported failures": 2}),
    ("letterboxd_import.csv", {"Crouching Tiger, Hidden Dragon (2000)": 9.0, "Parasite (2019)": 10.0},
     {"Updated": 2, "Not found in Plex": 2, "Invalid rating value": 2, "Empty rating skipped": 1,
      "Exported failures": 5}),
    ("imdb_bare_ids.csv", {"Heat (1995)": 8.0, "The Shawshank Redemption (1994)": 10.0},
     {"Updated": 2, "Missing IMDb ID": 1, "Not found in Plex": 1, "Invalid rating value": 3, "Exported failures": 5}),
])
def test_source_into_the_emulator(fixture: str, changed: dict[str, float], counts: dict[str, int],
                                  tmp_path: Path) -> None:
    path = trakt_zip(tmp_path) if fixture == "trakt.zip" else FIXTURES / fixture
    assert import_file(path, tmp_path) == (changed, counts)
