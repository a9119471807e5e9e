"""`LibraryIndex`: the chosen sections' items, by external id and by normalised title.

Built either by one paged scan of each section (large pages, fetched concurrently, `includeGuids=1`) or, for a
handful of id-bearing rows, by per-id lookups — whichever costs fewer requests (`choose_strategy`).
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import quote
from xml.etree.ElementTree import Element

from ..titles import normalise_title
from .client import PlexClient, Section
from .items import LibraryItem

PAGE_SIZE: Final = 1000
# Listing types (PLEX_PROTOCOL.md §2.2): 1 movie, 2 show, 4 episode.
_TYPE_IDS: Final = {"movie": 1, "show": 2, "season": 3, "episode": 4}


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
    _title_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, item: LibraryItem) -> None:
        self.size += 1
        self._items.append(item)
        by_guid = self.by_guid
        for guid in item.guids:
            found = by_guid.get(guid)
            if found is None:
                by_guid[guid] = item
            elif isinstance(found, tuple):
                by_guid[guid] = (*found, item)
            else:
                by_guid[guid] = (found, item)
        if self._by_title is not None:
            with self._title_lock:
                self._index_title(self._by_title, item)

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
        return list(found) if isinstance(found, tuple) else [found]

    def find_title(self, title: str) -> list[LibraryItem]:
        return self.by_title.get(normalise_title(title), [])


def section_totals(client: PlexClient, sections: Iterable[Section], types: Iterable[str]) -> dict[tuple[int, str], int]:
    """How many items of each type each section holds: one `Size=0` request per (section, type), sent concurrently."""
    wanted = [(section.key, kind) for section in sections for kind in types if kind in section.listable_types]

    def fetch(pair: tuple[int, str]) -> int:
        key, kind = pair
        root = client.get(f"/library/sections/{key}/all?type={_TYPE_IDS[kind]}", start=0, size=0)
        return int(root.attrib.get("totalSize") or root.attrib.get("size") or 0)

    if len(wanted) <= 1:
        return {pair: fetch(pair) for pair in wanted}
    with ThreadPoolExecutor(max_workers=min(len(wanted), 8), thread_name_prefix="r2p-totals") as pool:
        return dict(zip(wanted, pool.map(fetch, wanted), strict=True))


def scan_cost(totals: dict[tuple[int, str], int], page_size: int = PAGE_SIZE) -> int:
    return sum(max(1, math.ceil(n / page_size)) for n in totals.values())


def scan_sections(
    client: PlexClient,
    totals: dict[tuple[int, str], int],
    sections: list[Section],
    *,
    page_size: int = PAGE_SIZE,
    workers: int = 4,
    on_page: Callable[[int, int], None] | None = None,
) -> LibraryIndex:
    """Fetch every page of every (section, type) concurrently and index the items.

    At most `workers` pages are in flight and parsed pages are indexed in page order as soon as they arrive, so memory
    holds a few pages at a time (not the whole library's XML) and the index does not depend on arrival order.
    """
    by_key = {s.key: s for s in sections}
    pages = [(key, kind, start) for (key, kind), total in totals.items() for start in range(0, total, page_size)]
    index = LibraryIndex(sections=sections)

    def fetch(page: tuple[int, str, int]) -> Element:
        key, kind, start = page
        path = f"/library/sections/{key}/all?type={_TYPE_IDS[kind]}&includeGuids=1"
        return client.get(path, start=start, size=page_size)

    workers = max(1, workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="r2p-scan") as pool:
        todo = iter(pages)
        window: deque[tuple[int, Future[Element]]] = deque()
        for done in range(1, len(pages) + 1):
            while len(window) < workers + 1 and (page := next(todo, None)) is not None:
                window.append((page[0], pool.submit(fetch, page)))
            key, future = window.popleft()
            try:
                root = future.result()
            except BaseException:
                for _, pending in window:
                    pending.cancel()
                raise
            section_id = by_key[key].key
            for el in root:
                if el.tag in ("Video", "Directory") and "ratingKey" in el.attrib:
                    index.add(LibraryItem.from_element(el, section_id))
            del root
            if on_page:
                on_page(done, len(pages))
    return index


def lookup_guids(
    client: PlexClient, guids: Iterable[str], sections: list[Section], *, workers: int = 4
) -> LibraryIndex:
    """Index only the items carrying the given guids, one `/library/all?guid=` request per guid."""
    wanted = {s.key for s in sections}
    index = LibraryIndex(sections=sections, complete=False)

    def fetch(guid: str) -> Element:
        return client.get(f"/library/all?guid={quote(guid, safe='')}&includeGuids=1")

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="r2p-lookup") as pool:
        for root in pool.map(fetch, sorted(set(guids))):
            for el in root:
                if el.tag in ("Video", "Directory") and "ratingKey" in el.attrib:
                    item = LibraryItem.from_element(el, int(root.attrib.get("librarySectionID") or 0))
                    if item.section_id in wanted:
                        index.add(item)
    return index
