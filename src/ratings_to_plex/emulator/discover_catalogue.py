"""The emulator's stand-in for Plex's online catalogue (Discover): every film and show Plex knows, by 24-hex id.

Real Discover knows far more than any library, and a library item matched by the Plex agents carries the same hex in
its `plex://` guid (PLEX_PROTOCOL.md §9). So the catalogue is built from the served library (same hexes), the fixed
demo titles and `EXTRA_TITLES`: real, well-known titles that the demo library lacks — the bundled sample exports'
"Not found" rows among them — so that `--discover` has something to find in the demo too.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .library import Library

#: Legacy agent guid prefixes and the short provider each one names.
_LEGACY: dict[str, str] = {
    "com.plexapp.agents.imdb://": "imdb",
    "com.plexapp.agents.themoviedb://": "tmdb",
    "com.plexapp.agents.thetvdb://": "tvdb",
}
_NON_WORD = re.compile(r"[^\w\s]+")


@dataclass(slots=True)
class Title:
    """One catalogue entry. `type` is "movie" or "show"; `guids` are external ids (`imdb://tt…`, `tmdb://…`)."""

    key: str
    type: str
    title: str
    year: int | None
    guids: tuple[str, ...] = ()
    original_title: str | None = None

    @property
    def guid(self) -> str:
        return f"plex://{self.type}/{self.key}"


def _hex(seed: str) -> str:
    return hashlib.sha1(f"discover:{seed}".encode()).hexdigest()[:24]


def _t(kind: str, title: str, year: int, *ids: str, original: str | None = None) -> Title:
    return Title(_hex(ids[0] if ids else f"{title}:{year}"), kind, title, year, tuple(ids), original)


#: Real titles absent from the demo library: the sample exports' rows that are "Not found" in it, and a few more.
EXTRA_TITLES: tuple[Title, ...] = (
    _t("movie", "Die Hard", 1988, "imdb://tt0095016", "tmdb://562"),
    _t("movie", "It's a Wonderful Life", 1946, "imdb://tt0038650", "tmdb://1585"),
    _t("movie", "Carmencita", 1894, "imdb://tt0000001", "tmdb://16612"),
    _t("movie", "Dune: Part Two", 2024, "imdb://tt15239678", "tmdb://693134"),
    _t("movie", "Past Lives", 2023, "imdb://tt13238346", "tmdb://666277"),
    _t("movie", "Paddington 2", 2017, "imdb://tt4468740", "tmdb://346648"),
    _t("movie", "Aftersun", 2022, "imdb://tt19770238", "tmdb://965150"),
    _t("movie", "Star Wars", 1977, "imdb://tt0076759", "tmdb://11"),
    _t("movie", "The Empire Strikes Back", 1980, "imdb://tt0080684", "tmdb://1891"),
    _t("movie", "Nosferatu", 1922, "imdb://tt0013442", "tmdb://653",
       original="Nosferatu, eine Symphonie des Grauens"),
    _t("movie", "The Lives of Others", 2006, "imdb://tt0405094", "tmdb://582", original="Das Leben der Anderen"),
    _t("show", "The Office", 2005, "imdb://tt0386676", "tmdb://2316", "tvdb://73244"),
    _t("show", "Dark", 2017, "imdb://tt5753856", "tmdb://70523"),
    _t("show", "Fleabag", 2016, "imdb://tt5687612", "tmdb://67070"),
)


def fold(text: str) -> str:
    """Case, accents and punctuation folded: what the emulator's search compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("&", " and ").replace("'", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain).split())


class Catalogue:
    """Titles by hex and by external id; `add` merges an entry into one that shares its hex or an id."""

    def __init__(self, titles: Iterable[Title] = ()) -> None:
        self.titles: dict[str, Title] = {}
        self.by_guid: dict[str, list[str]] = {}
        self.lock = threading.Lock()
        for title in titles:
            self.add(title)

    def add(self, title: Title) -> Title:
        with self.lock:
            existing = self.titles.get(title.key) or next(
                (self.titles[k] for g in title.guids for k in self.by_guid.get(g, ())
                 if self.titles[k].type == title.type), None)
            if existing is None:
                existing = self.titles[title.key] = Title(title.key, title.type, title.title, title.year, (),
                                                          title.original_title)
            new = tuple(g for g in title.guids if g not in existing.guids)
            existing.guids += new
            for g in new:
                self.by_guid.setdefault(g, []).append(existing.key)
            return existing

    def match(self, guid: str, kind: str | None) -> list[Title]:
        """Entries carrying an external id, of the given type when one is asked for."""
        return [self.titles[k] for k in self.by_guid.get(guid, ()) if kind is None or self.titles[k].type == kind]

    def search(self, query: str, kinds: frozenset[str], limit: int) -> list[tuple[float, Title]]:
        """Entries whose (original) title contains every word of the query; exact titles score 1, others less."""
        words = fold(query).split()
        if not words:
            return []
        found: list[tuple[float, Title]] = []
        for title in list(self.titles.values()):
            if title.type not in kinds:
                continue
            names = [fold(n) for n in (title.title, title.original_title) if n]
            if any(all(w in name.split() for w in words) for name in names):
                exact = any(name == " ".join(words) for name in names)
                found.append((1.0 if exact else round(len(words) / max(len(n.split()) for n in names), 3), title))
        found.sort(key=lambda pair: (-pair[0], pair[1].title, pair[1].year or 0))
        return found[:limit]


def _library_titles(library: Library) -> Iterable[Title]:
    """Films and shows of the served library, under the hex of their `plex://` guid (legacy items: derived)."""
    for item in list(library.items.values()):
        if item.type not in ("movie", "show"):
            continue
        ids = list(item.guids)
        for prefix, provider in _LEGACY.items():
            if item.guid.startswith(prefix):
                ids.append(f"{provider}://{item.guid[len(prefix):].split('?', 1)[0]}")
        if item.guid.startswith("plex://"):
            key = item.guid.rsplit("/", 1)[-1]
        elif ids:
            key = _hex(ids[0])
        else:
            continue  # a local-only item (home video) is not in any online catalogue
        yield Title(key, item.type, item.title, item.year, tuple(ids), item.original_title)


def _demo_titles() -> Iterable[Title]:
    """The demo library's films and shows with every id they have, so a generated library's Discover knows them."""
    from .demo_data import DEMO_ITEMS, _guids

    for d in DEMO_ITEMS:
        if d.type not in ("movie", "show") or d.agent == "local":
            continue
        ids = tuple(f"{p}://{v}" for p, v in (("imdb", d.imdb_id), ("tmdb", d.tmdb_id), ("tvdb", d.tvdb_id))
                    if v is not None)
        guid = _guids(d, [])[0]
        key = guid.rsplit("/", 1)[-1] if guid.startswith("plex://") else _hex(ids[0])
        yield Title(key, d.type, d.title, d.year, ids, d.original_title)


def build_catalogue(library: Library) -> Catalogue:
    """Library first (its hexes win), then the demo titles, then the extras."""
    with library.lock:
        own = list(_library_titles(library))
    return Catalogue([*own, *_demo_titles(), *EXTRA_TITLES])
