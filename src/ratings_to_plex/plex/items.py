"""`LibraryItem`: what we need to know about one Plex item, read straight from listing XML.

Reading raw attributes (instead of plexapi's objects) avoids plexapi's auto-reload, which silently issues one
GET per item whenever an attribute is absent from the listing (PLEX_PROTOCOL.md §2.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
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


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """One movie, show, season or episode in a section, with all of its ids normalised."""

    rating_key: int
    section_id: int
    type: str  # movie | show | season | episode
    title: str
    original_title: str | None
    title_sort: str | None
    year: int | None
    guids: tuple[str, ...]  # normalised: primary guid first, then Guid children
    user_rating: float | None
    view_count: int
    last_rated_at: int | None  # epoch seconds
    show_title: str | None = None  # episodes: the show's title (grandparentTitle)
    legacy: bool = False  # the primary guid is a legacy-agent guid

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
        """Build from a `<Video>`/`<Directory>` element of a listing fetched with `includeGuids=1`."""
        a = el.attrib
        primary = a.get("guid", "")
        guids: list[str] = []
        first = normalise_guid(primary)
        if first:
            guids.append(first)
        for child in el:
            if child.tag == "Guid":
                g = normalise_guid(child.attrib.get("id", ""))
                if g and g not in guids:
                    guids.append(g)
        kind = a.get("type", "")
        if kind in ("show", "season"):
            view_count = 1 if _int(a.get("viewedLeafCount")) and a.get("viewedLeafCount") == a.get("leafCount") else 0
        else:
            view_count = _int(a.get("viewCount")) or 0
        return cls(
            rating_key=_rating_key(a["ratingKey"]),
            section_id=_int(a.get("librarySectionID")) or section_id,
            type=kind,
            title=a.get("title", ""),
            original_title=a.get("originalTitle") or None,
            title_sort=a.get("titleSort") or None,
            year=_int(a.get("year")),
            guids=tuple(guids),
            user_rating=_float(a.get("userRating")),
            view_count=view_count,
            last_rated_at=_int(a.get("lastRatedAt")),
            show_title=a.get("grandparentTitle") or None,
            legacy=primary.startswith("com.plexapp.agents."),
        )


def items_of(root: Element, section_id: int) -> list[LibraryItem]:
    """The items of one listing page. An element whose `ratingKey` is not a number (the API calls it an opaque
    string; every server seen sends digits) is left out rather than failing the whole page."""
    return [LibraryItem.from_element(el, section_id) for el in root
            if el.tag in _ITEM_TAGS and el.attrib.get("ratingKey", "").isdigit()]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _rating_key(value: str) -> int:
    """A ratingKey is a plain number; anything else means whatever answered is not speaking Plex (a server error)."""
    if not (value.isascii() and value.isdigit()):
        raise PlexConnectionError(f"The server sent an item whose ratingKey is not a number "
                                  f"({clean_text(value)[:20]!r}): is this URL really a Plex server?")
    return int(value)
