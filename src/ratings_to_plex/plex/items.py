"""`LibraryItem`: what we need to know about one Plex item, read straight from listing XML.

Reading raw attributes (instead of plexapi's objects) avoids plexapi's auto-reload, which silently issues one
GET per item whenever an attribute is absent from the listing (PLEX_PROTOCOL.md §2.3).
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple
from xml.etree.ElementTree import Element

from ..errors import PlexConnectionError
from ..security import clean_text

#: Legacy agents whose guid attribute carries an external id, and the provider each stands for.
_LEGACY_AGENTS: Final = {
    "com.plexapp.agents.imdb": "imdb",
    "com.plexapp.agents.themoviedb": "tmdb",
    "com.plexapp.agents.thetvdb": "tvdb",
    "com.plexapp.agents.thetvdbdvdorder": "tvdb",  # DVD order: same series id, other season/episode numbers
    "com.plexapp.agents.tvdb": "tvdb",
    "com.plexapp.agents.tmdb": "tmdb",
    # Kodi NFO agents: the id is whatever the .nfo named — `tt…` is IMDb, bare digits TMDb (films) / TVDB (shows).
    "com.plexapp.agents.xbmcnfo": "tmdb",
    "com.plexapp.agents.xbmcnfotv": "tvdb",
}
_HAMA: Final = "com.plexapp.agents.hama"
#: HAMA (anime) ids are `source-id`: anidb-1234, tvdb-81189, tvdb2-81189 (tvdb2…5 = other numberings of the same
#: series), tmdb-278, imdb-tt0111161.
_HAMA_ID = re.compile(r"^(anidb|tvdb[2-5]?|tmdb|imdb)-(.+)$")
_IMDB_ID = re.compile(r"^tt\d{7,8}$")
_ITEM_TAGS: Final = ("Video", "Directory")
_NORMAL_FORMS: Final = ("imdb://", "tmdb://", "tvdb://", "plex://")
_CHILD_KINDS: Final = ("season", "episode")
_new_tuple = tuple.__new__


def normalise_guid(raw: str) -> str | None:
    """Map new-agent and legacy-agent guids to one form: `imdb://tt…`, `tmdb://…`, `tvdb://…`, `anidb://…`, `plex://…`.

    Legacy guids lose their `?lang=…` suffix; a legacy TV guid keeps its `/season/episode` path so that a show's
    id never matches one of its episodes. Kodi NFO and HAMA guids are read for the id they carry, so that an item
    naming an IMDb id in any agent form is known to carry it. `local://`, `none://` and unknown agents give None.
    """
    raw = raw.strip()
    scheme, sep, rest = raw.partition("://")
    if not sep:
        return None
    rest = rest.split("?", 1)[0]
    if not rest:
        return None
    if scheme in ("imdb", "tmdb", "tvdb", "plex"):
        return f"{scheme}://{rest}"
    if scheme == _HAMA:
        m = _HAMA_ID.match(rest)
        if m is None:
            return None
        provider, rest = m.group(1), m.group(2)
        provider = "tvdb" if provider.startswith("tvdb") else provider
    else:
        found = _LEGACY_AGENTS.get(scheme)
        if found is None:
            return None
        provider = "imdb" if rest.startswith("tt") else found
    if provider == "imdb" and not _IMDB_ID.match(rest):
        return None
    if provider != "imdb" and not rest.split("/", 1)[0].isdigit():
        return None
    return f"{provider}://{rest}"


class LibraryItem(NamedTuple):
    """One movie, show, season or episode in a section, with all of its ids normalised.

    A NamedTuple rather than a frozen dataclass: a 100,000-item library builds 100,000 of them while the scan's
    pages arrive, and a tuple is built about fifteen times faster (frozen dataclasses set each field through
    `object.__setattr__`), for the same immutability and about the same memory.
    """

    rating_key: int
    section_id: int
    type: str  # movie | show | season | episode
    title: str
    original_title: str | None
    title_sort: str | None
    year: int | None
    guids: tuple[str, ...]  # normalised: primary guid first, then Guid children
    user_rating: float | None
    view_count: int  # shows and seasons: 1 when every episode is watched, else 0 (their viewCount counts plays)
    last_rated_at: int | None  # epoch seconds; absent on older ratings
    show_title: str | None = None  # episodes: the show's title (grandparentTitle)
    legacy: bool = False  # the primary guid is a legacy-agent guid
    show_key: int | None = None  # seasons and episodes: their show's ratingKey
    season: int | None = None  # seasons: their number; episodes: their season's number
    episode: int | None = None  # episodes: their number in the season

    @property
    def imdb_ids(self) -> tuple[str, ...]:
        return tuple(g[7:] for g in self.guids if g.startswith("imdb://"))

    @property
    def display_title(self) -> str:
        """How the item is named in log lines: `Title (Year)`, episodes prefixed with their show."""
        title = f"{self.show_title}: {self.title}" if self.show_title else self.title
        return f"{title} ({self.year})" if self.year else title

    @property
    def watched(self) -> bool:
        return self.view_count > 0

    @classmethod
    def from_element(cls, el: Element, section_id: int) -> LibraryItem:
        """Build from a `<Video>`/`<Directory>` element of a listing fetched with `includeGuids=1`.

        This runs once per item of the library, so ids already in normal form (`plex://…`, `imdb://tt…` children)
        skip `normalise_guid`, and the tuple is built directly.
        """
        get = el.attrib.get
        primary = get("guid", "")
        legacy = False
        if primary.startswith("plex://"):
            guids = [primary]
        else:
            first = normalise_guid(primary) if primary else None
            guids = [first] if first else []
            legacy = primary.startswith("com.plexapp.agents.")
        for child in el:
            gid = child.get("id")
            if gid is None or child.tag != "Guid":
                continue
            g = gid if gid.startswith(_NORMAL_FORMS) and "?" not in gid else normalise_guid(gid)
            if g and g not in guids:
                guids.append(g)
        kind = get("type", "")
        if kind == "show" or kind == "season":
            leaves = get("leafCount")
            view_count = 1 if leaves and leaves != "0" and get("viewedLeafCount") == leaves else 0
        else:
            view_count = _int(get("viewCount")) or 0
        episode = kind == "episode"
        return _new_tuple(cls, (
            _rating_key(get("ratingKey", "")), _int(get("librarySectionID")) or section_id, kind, get("title", ""),
            get("originalTitle") or None, get("titleSort") or None, _int(get("year")), tuple(guids),
            _float(get("userRating")), view_count, _int(get("lastRatedAt")), get("grandparentTitle") or None, legacy,
            _int(get("grandparentRatingKey" if episode else "parentRatingKey")) if kind in _CHILD_KINDS else None,
            _int(get("parentIndex" if episode else "index")) if kind in _CHILD_KINDS else None,
            _int(get("index")) if episode else None,
        ))


def items_of(root: Element, section_id: int) -> list[LibraryItem]:
    """The items of one listing page (every `<Video>`/`<Directory>` with a ratingKey)."""
    build = LibraryItem.from_element
    return [build(el, section_id) for el in root if el.tag in _ITEM_TAGS and "ratingKey" in el.attrib]


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _rating_key(value: str) -> int:
    """A ratingKey is a plain number; anything else means whatever answered is not speaking Plex (a server error)."""
    if not (value.isascii() and value.isdigit()):
        raise PlexConnectionError(f"The server sent an item whose ratingKey is not a number "
                                  f"({clean_text(value)[:20]!r}): is this URL really a Plex server?")
    return int(value)
