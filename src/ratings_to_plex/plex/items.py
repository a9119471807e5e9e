"""`LibraryItem`: what we need to know about one Plex item, read straight from listing XML.

Reading raw attributes (instead of plexapi's objects) avoids plexapi's auto-reload, which silently issues one
GET per item whenever an attribute is absent from the listing (PLEX_PROTOCOL.md §2.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element

#: Legacy agents whose guid attribute carries an external id, and the provider each stands for.
_LEGACY_AGENTS: Final = {
    "com.plexapp.agents.imdb": "imdb",
    "com.plexapp.agents.themoviedb": "tmdb",
    "com.plexapp.agents.thetvdb": "tvdb",
    "com.plexapp.agents.tvdb": "tvdb",
    "com.plexapp.agents.tmdb": "tmdb",
}
_IMDB_ID = re.compile(r"^tt\d{7,8}$")


def normalise_guid(raw: str) -> str | None:
    """Map new-agent and legacy-agent guids to one form: `imdb://tt…`, `tmdb://…`, `tvdb://…`, `plex://…`.

    Legacy guids lose their `?lang=…` suffix; a legacy TV guid keeps its `/season/episode` path so that a show's
    id never matches one of its episodes. `local://`, `none://` and unknown agents give None.
    """
    raw = raw.strip()
    if not raw or "://" not in raw:
        return None
    scheme, _, rest = raw.partition("://")
    rest = rest.split("?", 1)[0]
    if scheme in ("imdb", "tmdb", "tvdb", "plex"):
        return f"{scheme}://{rest}" if rest else None
    provider = _LEGACY_AGENTS.get(scheme)
    if provider is None or not rest:
        return None
    if provider == "imdb" and not _IMDB_ID.match(rest):
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
            rating_key=int(a["ratingKey"]),
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
