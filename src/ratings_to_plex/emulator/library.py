"""In-memory library model served by the emulator.

Items are small slotted dataclasses (a 50,000-movie library must stay lean); XML is rendered on demand from them.
All mutation of user state goes through `Library.lock` so concurrent request threads never see a torn update.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

#: Plex's numeric search types, used by `?type=` on listings.
TYPE_NUMBERS: dict[str, int] = {"movie": 1, "show": 2, "season": 3, "episode": 4}
TYPE_NAMES: dict[int, str] = {v: k for k, v in TYPE_NUMBERS.items()}
LEAF_TYPES = frozenset({"movie", "episode"})


@dataclass(slots=True)
class Item:
    """One movie, show, season or episode; user state (`user_rating`, `view_count`, …) is mutable."""

    rating_key: int
    type: str
    section_id: int
    title: str
    year: int | None
    guid: str
    guids: tuple[str, ...] = ()
    original_title: str | None = None
    title_sort: str | None = None
    user_rating: float | None = None
    last_rated_at: int | None = None
    view_count: int = 0
    last_viewed_at: int | None = None
    added_at: int = 1_600_000_000
    index: int | None = None
    parent_key: int | None = None
    grandparent_key: int | None = None
    children: list[int] | None = None

    @property
    def imdb_id(self) -> str | None:
        """The IMDb id exposed by this item (Guid child, or a legacy imdb / Kodi NFO / HAMA guid), if any."""
        for g in self.guids:
            if g.startswith("imdb://"):
                return g[7:]
        scheme, _, rest = self.guid.partition("://")
        rest = rest.split("?", 1)[0]
        if scheme == "com.plexapp.agents.hama" and rest.startswith("imdb-"):
            rest = rest[5:]
        if scheme in ("com.plexapp.agents.imdb", "com.plexapp.agents.xbmcnfo", "com.plexapp.agents.hama") \
                and rest.startswith("tt"):
            return rest
        return None

    def all_guids(self) -> Iterator[str]:
        """The primary guid followed by every Guid child id: what a `guid=` filter matches against."""
        yield self.guid
        yield from self.guids


@dataclass(frozen=True, slots=True)
class ItemState:
    """A snapshot of one item's user state, for test assertions."""

    user_rating: float | None
    view_count: int
    last_rated_at: int | None


@dataclass(slots=True)
class Section:
    """A library section; `keys` lists its items of every type in listing order."""

    key: int
    title: str
    type: str  # "movie" or "show"
    agent: str
    scanner: str
    uuid: str
    location: str
    language: str = "en-US"  # legacy-agent sections use two letters ("en"), which their guids' ?lang= repeats
    keys_by_type: dict[str, list[int]] = field(default_factory=dict)


class Library:
    """Sections plus every item by ratingKey, with lazily built guid and imdb lookups."""

    def __init__(self, sections: Iterable[Section] = ()) -> None:
        self.sections: dict[int, Section] = {s.key: s for s in sections}
        self.items: dict[int, Item] = {}
        self.lock = threading.RLock()
        self._guid_index: dict[str, list[int]] | None = None
        self._next_key = 100

    # -- building --------------------------------------------------------------------------------------------
    def new_key(self) -> int:
        """Allocate the next ratingKey (keys are unique across sections, like a real PMS)."""
        key = self._next_key
        self._next_key += 1
        return key

    def add(self, item: Item) -> Item:
        """Register an item in its section's per-type listing and under its parent."""
        self.items[item.rating_key] = item
        self.sections[item.section_id].keys_by_type.setdefault(item.type, []).append(item.rating_key)
        if item.parent_key is not None:
            parent = self.items[item.parent_key]
            if parent.children is None:
                parent.children = []
            parent.children.append(item.rating_key)
        self._next_key = max(self._next_key, item.rating_key + 1)
        self._guid_index = None
        return item

    # -- queries ---------------------------------------------------------------------------------------------
    def guid_index(self) -> dict[str, list[int]]:
        """Map every guid string (primary and children) to ratingKeys; built once on first filter."""
        index = self._guid_index
        if index is None:
            with self.lock:
                index = self._guid_index  # another thread may have built it while we waited
                if index is None:
                    index = {}
                    for item in self.items.values():
                        for g in item.all_guids():
                            index.setdefault(g, []).append(item.rating_key)
                    self._guid_index = index
        return index

    def find(
        self, imdb_id: str | None = None, title: str | None = None, year: int | None = None
    ) -> list[Item]:
        """Items matching all given criteria (a test helper; linear scan except for imdb ids)."""
        if imdb_id is not None:
            keys = set(self.guid_index().get(f"imdb://{imdb_id}", ()))
            keys.update(self.guid_index().get(f"com.plexapp.agents.imdb://{imdb_id}?lang=en", ()))
            candidates: Iterable[Item] = (self.items[k] for k in sorted(keys))
        else:
            candidates = self.items.values()
        return [
            i
            for i in candidates
            if (title is None or i.title == title) and (year is None or i.year == year)
        ]

    def leaves(self, item: Item) -> list[Item]:
        """Every episode below a show or season (the item itself for a movie or episode)."""
        if item.type in LEAF_TYPES:
            return [item]
        out: list[Item] = []
        for child_key in item.children or ():
            out.extend(self.leaves(self.items[child_key]))
        return out

    def leaf_counts(self, item: Item) -> tuple[int, int]:
        """(leafCount, viewedLeafCount) for a show or season."""
        leaves = self.leaves(item)
        return len(leaves), sum(1 for leaf in leaves if leaf.view_count > 0)

    def effective_view_count(self, item: Item) -> int:
        """A show or season counts as watched as many times as its least-watched episode."""
        if item.type in LEAF_TYPES:
            return item.view_count
        leaves = self.leaves(item)
        return min((leaf.view_count for leaf in leaves), default=0)

    def state(self) -> dict[int, ItemState]:
        """Every item's user state, taken under the lock so it is one consistent snapshot."""
        with self.lock:
            return {
                key: ItemState(item.user_rating, self.effective_view_count(item), item.last_rated_at)
                for key, item in self.items.items()
            }

    def __len__(self) -> int:
        return len(self.items)
