"""`LibraryIndex`: the chosen sections' items, by external id and by normalised title — and how to fill it.

Real PMS answers a `guid=` filter from an item's own guid attribute only, never from its <Guid> children, so the
external ids of new-agent items can only be learnt by listing the library. `index_library` therefore lists every
chosen section in pages of 1,000 (concurrently, the first page of each listing telling how many follow), and looks
ids up one by one only where a server can answer that (legacy IMDb-agent sections) and it costs fewer requests.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final, cast
from urllib.parse import quote

from ..titles import normalise_title
from .client import MAX_PAGE, PlexClient, Section
from .items import LibraryItem, items_of
from .scan import Listing, PageScan

PAGE_SIZE: Final = MAX_PAGE
# Listing types (PLEX_PROTOCOL.md §2.2): 1 movie, 2 show, 3 season, 4 episode.
_TYPE_IDS: Final = {"movie": 1, "show": 2, "season": 3, "episode": 4}
_OLD_SERVER: Final = ("Plex Media Server {version} is older than 1.24.3, so it does not send the IMDb, TMDb and TVDB "
                      "ids of items matched by the new Plex agents: those items can only be matched by title and "
                      "year. Update the server to match them by id.")


@dataclass
class LibraryIndex:
    """Every indexed item, reachable by normalised guid (`imdb://tt…`) and by normalised title.

    Lean on purpose, since a big library means 100,000+ items: a guid that one item carries (nearly all of them) maps
    to that item itself rather than to a one-element list, and the title index is only built the first time a title
    is looked up — a file whose rows all match by id never pays for normalising every title in the library.
    """

    sections: list[Section]
    size: int = 0
    complete: bool = True  # False when built from per-id lookups: absence from it proves nothing about titles
    #: guid → the item carrying it, or a tuple of items when several do (copies of a film in two sections).
    by_guid: dict[str, LibraryItem | tuple[LibraryItem, ...]] = field(default_factory=dict, repr=False)
    _items: list[LibraryItem] = field(default_factory=list, repr=False)
    _by_title: dict[str, list[LibraryItem]] | None = field(default=None, repr=False)
    _by_show: dict[int, list[LibraryItem]] | None = field(default=None, repr=False)
    _title_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, item: LibraryItem) -> None:
        self.size += 1
        self._items.append(item)
        by_guid = self.by_guid
        for guid in item.guids:
            if guid.startswith("plex://"):
                continue  # never looked up: matching is by IMDb, TMDb and TVDB ids (saves an entry per item)
            found = by_guid.get(guid)
            if found is None:
                by_guid[guid] = item
            elif type(found) is tuple:  # not isinstance: a LibraryItem is a (named) tuple too
                by_guid[guid] = (*cast(tuple[LibraryItem, ...], found), item)
            else:
                by_guid[guid] = (cast(LibraryItem, found), item)
        if self._by_title is not None or self._by_show is not None:
            with self._title_lock:
                if self._by_title is not None:
                    self._index_title(self._by_title, item)
                if self._by_show is not None and item.show_key is not None:
                    self._by_show.setdefault(item.show_key, []).append(item)

    def add_all(self, items: Iterable[LibraryItem]) -> None:
        for item in items:
            self.add(item)

    @property
    def items(self) -> list[LibraryItem]:
        """Every item, in the order it was added."""
        return self._items

    @property
    def by_title(self) -> dict[str, list[LibraryItem]]:
        """Normalised title (title, original title and sort title) → items; built on first use."""
        with self._title_lock:
            if self._by_title is None:
                by_title: dict[str, list[LibraryItem]] = defaultdict(list)
                for item in self._items:
                    self._index_title(by_title, item)
                self._by_title = by_title
            return self._by_title

    @staticmethod
    def _index_title(by_title: dict[str, list[LibraryItem]], item: LibraryItem) -> None:
        keys = {normalise_title(t) for t in (item.title, item.original_title, item.title_sort) if t}
        for key in keys:
            if key:
                by_title[key].append(item)

    def find_guid(self, guid: str) -> list[LibraryItem]:
        found = self.by_guid.get(guid)
        if found is None:
            return []
        if type(found) is tuple:
            return list(cast(tuple[LibraryItem, ...], found))
        return [cast(LibraryItem, found)]

    def find_title(self, title: str) -> list[LibraryItem]:
        return self.by_title.get(normalise_title(title), [])

    def children_of(self, show_key: int) -> list[LibraryItem]:
        """The indexed seasons and episodes of a show (by ratingKey); the map is built on first use."""
        with self._title_lock:
            if self._by_show is None:
                by_show: dict[int, list[LibraryItem]] = defaultdict(list)
                for item in self._items:
                    if item.show_key is not None:
                        by_show[item.show_key].append(item)
                self._by_show = by_show
            return self._by_show.get(show_key, [])


def listings(sections: Iterable[Section], kinds: Iterable[str]) -> list[Listing]:
    """The (section, type) listings a scan of `kinds` needs, in a fixed order."""
    wanted = set(kinds)
    return [Listing(s.key, kind, f"/library/sections/{s.key}/all?type={_TYPE_IDS[kind]}&includeGuids=1")
            for s in sections for kind in s.listable_types if kind in wanted]


def section_totals(client: PlexClient, sections: Iterable[Section], types: Iterable[str]) -> dict[tuple[int, str], int]:
    """How many items of each type each section holds: one `Size=0` request per (section, type), sent concurrently.
    Only needed to price per-id lookups against a scan; a scan alone learns the totals from its first pages."""
    wanted = [(listing.section, listing.kind) for listing in listings(sections, types)]

    def fetch(pair: tuple[int, str]) -> int:
        key, kind = pair
        root = client.get(f"/library/sections/{key}/all?type={_TYPE_IDS[kind]}", start=0, size=0)
        return int(root.attrib.get("totalSize") or root.attrib.get("size") or 0)

    if len(wanted) <= 1:
        return {pair: fetch(pair) for pair in wanted}
    with ThreadPoolExecutor(max_workers=min(len(wanted), 8), thread_name_prefix="r2p-totals") as pool:
        return dict(zip(wanted, pool.map(fetch, wanted), strict=True))


def scan_cost(totals: Mapping[tuple[int, str], int], page_size: int = PAGE_SIZE) -> int:
    return sum(max(1, math.ceil(n / page_size)) for n in totals.values())


def scan_sections(
    client: PlexClient,
    totals: Mapping[tuple[int, str], int] | Iterable[tuple[int, str]],
    sections: list[Section],
    *,
    page_size: int = PAGE_SIZE,
    workers: int = 4,
) -> LibraryIndex:
    """List every page of every (section, type) concurrently and index the items, in listing and page order.

    `totals` either maps (section, type) to its known size (from `section_totals`) or just names the pairs, whose
    sizes the first pages then tell. At most `workers` pages are in flight; each is parsed where it arrived and only
    its items are kept, so memory holds a few pages of XML at a time, never the whole library's.
    """
    by_pair = {(listing.section, listing.kind): listing for listing in listings(sections, _TYPE_IDS)}
    known = totals if isinstance(totals, Mapping) else None
    wanted = [by_pair[pair] for pair in (known or totals) if pair in by_pair]
    index = LibraryIndex(sections=sections)
    scan = PageScan(client, wanted, page_size=page_size, workers=max(1, workers),
                    totals={(w.section, w.kind): known[(w.section, w.kind)] for w in wanted} if known else None)
    scan.run(index.add_all)
    return index


def lookup_guids(
    client: PlexClient, imdb_ids: Iterable[str], sections: list[Section], *, workers: int = 4
) -> LibraryIndex:
    """Index only the items whose own guid names one of `imdb_ids`: one `/library/all?guid=` request per id and
    per distinct legacy guid form (sections where `Section.lookup_guid` is None cannot be asked, see there)."""
    wanted = {s.key for s in sections}
    index = LibraryIndex(sections=sections, complete=False)
    guids = sorted({guid for imdb in set(imdb_ids) for s in sections if (guid := s.lookup_guid(imdb))})

    def fetch(guid: str) -> list[LibraryItem]:
        root = client.get(f"/library/all?guid={quote(guid, safe='')}&includeGuids=1", start=0, size=PAGE_SIZE)
        return items_of(root, int(root.attrib.get("librarySectionID") or 0))

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="r2p-lookup") as pool:
        for found in pool.map(fetch, guids):
            index.add_all(i for i in found if i.section_id in wanted)
    return index


#: The Plex item types a row of each title type can land on ("other" and unknown types: any).
_FIT_KINDS: Final = {"movie": ("movie",), "short": ("movie",), "video": ("movie",), "tv_movie": ("movie",),
                     "tv_special": ("movie", "episode"), "tv_series": ("show",), "tv_mini_series": ("show",),
                     "tv_season": ("season",), "tv_episode": ("episode",)}


def scan_kinds(rows: Iterable[object]) -> set[str]:
    """Which item types a file's rows can land on: episodes and seasons are listed only when rows need them
    (movies and shows always, so that an id of the other kind is reported as a type mismatch, not "not found")."""
    kinds = {"movie", "show"}
    for row in rows:
        kinds.update(_FIT_KINDS.get(getattr(row, "title_type", "other"), ("movie", "show", "episode")))
    return kinds


def _lookup_sections(sections: list[Section], rows: list[object]) -> list[Section] | None:
    """The sections per-id lookups would have to answer for — those holding a type some row can be — or None when
    one of them cannot answer them (see `Section.lookup_guid`)."""
    fit = {k for r in rows for k in _FIT_KINDS.get(getattr(r, "title_type", "other"), ("movie", "show", "episode"))}
    needed = [s for s in sections if fit & {*s.listable_types, "season" if s.type == "show" else ""}]
    return needed if needed and all(s.lookup_guid("tt0000000") for s in needed) else None


def index_library(client: PlexClient, sections: list[Section], rows: list[object], *, lookup: str = "auto",
                  page_size: int = PAGE_SIZE, workers: int = 6, per_row_limit: int = 300,
                  log: Callable[[str], None] = lambda _: None) -> LibraryIndex:
    """Index the sections with as few requests as real PMS allows (see the module docstring).

    Per-id lookups are used only when every row has an IMDb id, every section they could land in can answer them,
    there are at most `per_row_limit` ids and they cost fewer requests than the scan. A lookup that misses (an item
    matched by another agent, or unmatched) still needs the scan before any row is called "not found", so that is
    paid only then. Without lookups, the scan learns each listing's size from its first page: no extra request.
    """
    if not client.sends_guids:
        log(_OLD_SERVER.format(version=client.version))
    kinds = scan_kinds(rows)
    ids = {imdb for r in rows if (imdb := getattr(r, "imdb_id", None))}
    asked = _lookup_sections(sections, rows)
    if lookup == "per-row" and asked is None:
        log("Per-id lookups cannot be answered by these libraries (Plex finds an id only in an item's own guid, "
            "and these items keep theirs elsewhere): listing them instead")
    elif asked is not None and lookup != "scan" and (lookup == "per-row" or (
            len(ids) <= per_row_limit and all(getattr(r, "imdb_id", None) for r in rows))):
        totals = section_totals(client, asked, kinds)
        forms = len({s.language for s in asked})
        if lookup == "per-row" or len(ids) * forms < scan_cost(totals, page_size):
            log(f"Looking up {len(ids)} ids one by one (cheaper than listing the library)")
            index = lookup_guids(client, ids, asked, workers=workers)
            missing = sum(1 for imdb in ids if not index.find_guid(f"imdb://{imdb}"))
            if not missing:
                return index
            log(f"{missing} id(s) not found by lookup; listing the library to be sure")
    log(f"Reading {', '.join(s.title for s in sections)}")
    pairs = [(listing.section, listing.kind) for listing in listings(sections, kinds)]
    return scan_sections(client, pairs, sections, page_size=page_size, workers=workers)
