"""`LibraryIndex`: the chosen sections' items, by external id and by normalised title.

Built either by one paged scan of each section (large pages, fetched concurrently, `includeGuids=1`) or, for a
handful of id-bearing rows, by per-id lookups — whichever costs fewer requests (`choose_strategy`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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
    """Every indexed item, reachable by normalised guid (`imdb://tt…`) and by normalised title."""

    sections: list[Section]
    by_guid: dict[str, list[LibraryItem]] = field(default_factory=lambda: defaultdict(list))
    by_title: dict[str, list[LibraryItem]] = field(default_factory=lambda: defaultdict(list))
    size: int = 0
    complete: bool = True  # False when built from per-id lookups: absence from it proves nothing about titles

    def add(self, item: LibraryItem) -> None:
        self.size += 1
        for guid in item.guids:
            self.by_guid[guid].append(item)
        keys = {normalise_title(t) for t in (item.title, item.original_title, item.title_sort) if t}
        for key in keys:
            if key:
                self.by_title[key].append(item)

    def find_guid(self, guid: str) -> list[LibraryItem]:
        return self.by_guid.get(guid, [])

    def find_title(self, title: str) -> list[LibraryItem]:
        return self.by_title.get(normalise_title(title), [])


def section_totals(client: PlexClient, sections: Iterable[Section], types: Iterable[str]) -> dict[tuple[int, str], int]:
    """How many items of each type each section holds: one `Size=0` request per (section, type)."""
    totals: dict[tuple[int, str], int] = {}
    for section in sections:
        for kind in types:
            if kind in section.listable_types:
                root = client.get(f"/library/sections/{section.key}/all?type={_TYPE_IDS[kind]}",
                                  start=0, size=0)
                totals[(section.key, kind)] = int(root.attrib.get("totalSize") or root.attrib.get("size") or 0)
    return totals


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
    """Fetch every page of every (section, type) concurrently and index the items."""
    by_key = {s.key: s for s in sections}
    pages = [(key, kind, start) for (key, kind), total in totals.items() for start in range(0, total, page_size)]
    index = LibraryIndex(sections=sections)

    def fetch(page: tuple[int, str, int]) -> tuple[int, Element]:
        key, kind, start = page
        path = f"/library/sections/{key}/all?type={_TYPE_IDS[kind]}&includeGuids=1"
        return key, client.get(path, start=start, size=page_size)

    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="r2p-scan") as pool:
        for key, root in pool.map(fetch, pages):
            for el in root:
                if el.tag in ("Video", "Directory") and "ratingKey" in el.attrib:
                    index.add(LibraryItem.from_element(el, by_key[key].key))
            done += 1
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
