"""Libraries and export files for the real-PMS tests (tests/test_real_plex*.py), built for the strict emulator.

Only the emulator is imported here, so the same libraries can be served to any version of the client.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ratings_to_plex.emulator import Emulator, Item, Library, generate_library
from ratings_to_plex.emulator.generator import default_sections

HEADER = ["Const", "Your Rating", "Date Rated", "Title", "URL", "Title Type", "IMDb Rating", "Runtime (mins)", "Year",
          "Genres", "Num Votes", "Release Date", "Directors"]
_IMDB_TYPES = {"movie": "movie", "show": "tvSeries", "episode": "tvEpisode"}


def legacy_imdb_library(movies: int, seed: int = 3) -> Library:
    """A library whose Movies section uses the legacy IMDb agent: items' own guids carry their IMDb ids (what a
    real `guid=` lookup can answer), a few items stay unmatched (`local://`)."""
    lib = generate_library(movies, 0, 0, seed=seed)
    section = lib.sections[1]
    section.agent, section.language = "com.plexapp.agents.imdb", "en"
    for item in lib.items.values():
        imdb = item.imdb_id
        item.guid, item.guids = (f"com.plexapp.agents.imdb://{imdb}?lang=en", ()) if imdb else (
            f"local://{item.rating_key}", ())
    return lib


def write_export(path: Path, items: list[Item], rating: float | None = None, date: str = "2024-01-02",
                 library: Library | None = None) -> Path:
    """An IMDb export (2017–2024 header) rating each item `rating`, or one more than Plex has now (wrapping at 10).
    With `library`, an episode is titled "Show: Episode", as IMDb's export titles it."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for item in items:
            value = rating if rating is not None else (int(item.user_rating or 0) % 10) + 1
            title = item.title
            if library is not None and item.type == "episode" and item.grandparent_key is not None:
                title = f"{library.items[item.grandparent_key].title}: {title}"
            imdb = item.imdb_id
            out.writerow([imdb, int(value), date, title, f"https://www.imdb.com/title/{imdb}/",
                          _IMDB_TYPES[item.type], "7.0", "100", item.year, "Drama", "1000", f"{item.year}-01-01", ""])
    return path


def movies_with(emu: Emulator, prefix: str) -> list[Item]:
    return [i for i in emu.library.items.values() if i.type == "movie" and i.guid.startswith(prefix)]


def new_agent_movies(emu: Emulator) -> list[Item]:
    return [i for i in movies_with(emu, "plex://") if any(g.startswith("imdb://") for g in i.guids)]


def add_item(lib: Library, kind: str, title: str, year: int, guid: str, guids: tuple[str, ...] = (), *,
         section: int = 1, parent: Item | None = None, index: int | None = None, **state: Any) -> Item:
    grand = lib.items[parent.parent_key] if parent is not None and parent.parent_key is not None else None
    item = Item(lib.new_key(), kind, section, title, year, guid, guids, index=index,
                parent_key=parent.rating_key if parent else None,
                grandparent_key=grand.rating_key if grand is not None and kind == "episode" else None)
    for name, value in state.items():
        setattr(item, name, value)
    return lib.add(item)


def agents_library() -> Library:
    """Films and shows matched by the agents real libraries use, with ids that collide across namespaces."""
    lib = Library()
    default_sections(lib)
    add = add_item
    add(lib, "movie", "The Shawshank Redemption", 1994, "com.plexapp.agents.xbmcnfo://tt0111161?lang=xn")
    add(lib, "movie", "Heat", 1995, "com.plexapp.agents.xbmcnfo://949?lang=xn")  # Kodi NFO naming a TMDb id
    add(lib, "movie", "Twin Peaks: Fire Walk with Me", 1992, "com.plexapp.agents.xbmcnfo://tt0105665?lang=xn")
    add(lib, "movie", "Spirited Away", 2001, "com.plexapp.agents.hama://imdb-tt0245429?lang=en")
    add(lib, "movie", "El Camino", 2019, "plex://movie/5d9f3504e6d14d0021f1e4d7",
        ("imdb://tt9243946", "tmdb://559969", "tvdb://81189"))  # a film carrying a TVDB id a show also has
    add(lib, "movie", "Film 1399", 2003, "plex://movie/0000000000000000000a1399", ("tmdb://1399",))
    bb = add(lib, "show", "Breaking Bad", 2008, "com.plexapp.agents.hama://tvdb-81189?lang=en", section=2)
    s1 = add(lib, "season", "Season 1", 2008, "com.plexapp.agents.hama://tvdb-81189/1?lang=en", section=2,
             parent=bb, index=1)
    add(lib, "episode", "Pilot", 2008, "com.plexapp.agents.hama://tvdb-81189/1/1?lang=en", section=2, parent=s1,
        index=1, view_count=1)
    add(lib, "episode", "Cat's in the Bag...", 2008, "com.plexapp.agents.hama://tvdb-81189/1/2?lang=en", section=2,
        parent=s1, index=2)
    office = add(lib, "show", "The Office", 2005, "com.plexapp.agents.thetvdbdvdorder://73244?lang=en", section=2)
    add(lib, "season", "Season 1", 2005, "com.plexapp.agents.thetvdbdvdorder://73244/1?lang=en", section=2,
        parent=office, index=1)
    add(lib, "show", "Game of Thrones", 2011, "com.plexapp.agents.xbmcnfotv://121361?lang=xn", section=2)
    got = add(lib, "show", "Game of Thrones (TMDb)", 2011, "plex://show/0000000000000000000b1399", ("tmdb://1399",),
              section=2)
    del got
    return lib
