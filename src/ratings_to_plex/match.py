"""Match export rows to Plex items — by id first, by normalised title + year second — and never guess.

A row ends as exactly one `Match`: matched (to one item, or to every copy of it across the chosen sections),
`not_found`, `ambiguous` (two different items at the same confidence), `type_mismatch` or `filtered` (its title type
was switched off). Each match records how it was made, and a rejected row keeps its best candidate and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from .model import StrEnum
from .plex.index import LibraryIndex
from .plex.items import LibraryItem
from .sources.model import RatingRow


class MatchStatus(StrEnum):
    """The fate of one row. String-valued, so the unmatched CSV, the run log and `--json` read as before."""

    MATCHED = "matched"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"  # two different items at the same confidence: never guessed
    TYPE_MISMATCH = "type_mismatch"  # the id names an item of a type the row cannot be
    FILTERED = "filtered"  # the row's title type is switched off (`--types`)


MATCHED: Final = MatchStatus.MATCHED
NOT_FOUND: Final = MatchStatus.NOT_FOUND
AMBIGUOUS: Final = MatchStatus.AMBIGUOUS
TYPE_MISMATCH: Final = MatchStatus.TYPE_MISMATCH
FILTERED: Final = MatchStatus.FILTERED

# Which Plex item types a row's title type may land on; "other" (unknown or translated types) fits anything.
_FITS: Final[dict[str, frozenset[str]]] = {
    "movie": frozenset({"movie"}),
    "short": frozenset({"movie"}),
    "video": frozenset({"movie"}),
    "tv_movie": frozenset({"movie"}),
    "tv_special": frozenset({"movie", "episode"}),
    "tv_series": frozenset({"show"}),
    "tv_mini_series": frozenset({"show"}),
    "tv_season": frozenset({"season"}),
    "tv_episode": frozenset({"episode"}),
    "other": frozenset({"movie", "show", "episode"}),
}
#: IMDb numbers every title in one namespace; TMDb and TVDB number films, series, seasons and episodes separately
#: (TMDb movie 1399 and TV 1399 are unrelated titles; real PMS gives films `tvdb://` ids too). So a TMDb or TVDB id
#: is only looked at on items of the types the row can be.
_PER_TYPE_PROVIDERS: Final = frozenset({"tmdb", "tvdb"})


@dataclass(frozen=True, slots=True)
class Match:
    """The fate of one row; `items` holds every copy to rate when matched."""

    row: RatingRow
    status: MatchStatus
    items: tuple[LibraryItem, ...] = ()
    method: str | None = None  # imdb_guid | legacy_guid | tmdb_guid | tvdb_guid | show_position | title_year
    reason: str = ""  # for people, e.g. "2 items titled 'Dune' (2021)"
    candidate: LibraryItem | None = None  # best rejected candidate, for the unmatched report


def fits(row: RatingRow, item: LibraryItem) -> bool:
    return item.type in _FITS.get(row.title_type, _FITS["other"])


def match_rows(rows: Iterable[RatingRow], index: LibraryIndex, types: frozenset[str] | None = None) -> list[Match]:
    """Match every row; rows whose title type is not in `types` are `filtered` without being looked up."""
    return [
        Match(row, FILTERED, reason=f"title type {row.title_type} is switched off")
        if types is not None and row.title_type not in types
        else match_row(row, index)
        for row in rows
    ]


def match_row(row: RatingRow, index: LibraryIndex) -> Match:
    for provider, value in (("imdb", row.imdb_id), ("tmdb", row.tmdb_id), ("tvdb", row.tvdb_id)):
        if value:
            found = _by_id(row, index, provider, value)
            if found is not None:
                return found
    if row.title_type in ("tv_season", "tv_episode") and row.season is not None:
        found = _by_position(row, index)
        if found is not None:
            return found
    if not index.complete:
        return Match(row, NOT_FOUND, reason="no item carries this id")
    return _by_title(row, index)


def _by_position(row: RatingRow, index: LibraryIndex) -> Match | None:
    """A season or episode without an id of its own: its show (by the show's ids, else its unique title + year),
    then the season and episode numbers under it. Every copy of the show (4K + HD sections) gets its copy."""
    shows: list[LibraryItem] = []
    for provider, value in (("imdb", row.show_imdb_id), ("tmdb", row.show_tmdb_id), ("tvdb", row.show_tvdb_id)):
        if value and not shows:
            shows = [i for i in index.find_guid(f"{provider}://{value}") if i.type == "show"]
    if not shows and row.show_title and index.complete:
        titled = [i for i in index.find_title(row.show_title) if i.type == "show"
                  and (row.show_year is None or i.year == row.show_year)]
        groups = _group_copies(titled)
        shows = groups[0] if len(groups) == 1 else []
    kind = "season" if row.title_type == "tv_season" else "episode"
    found = [child for show in shows for child in index.children_of(show.rating_key)
             if child.type == kind and child.season == row.season
             and (kind == "season" or child.episode == row.episode)]
    if not found:
        return None
    return Match(row, MATCHED, items=tuple(found), method="show_position")


def _by_id(row: RatingRow, index: LibraryIndex, provider: str, value: str) -> Match | None:
    candidates = index.find_guid(f"{provider}://{value}")
    if provider in _PER_TYPE_PROVIDERS:
        # Another type with the same number is another title, not a type mismatch: look further (next id, title).
        candidates = [i for i in candidates if fits(row, i)]
        kinds = sorted({i.type for i in candidates})
        if len(kinds) > 1:
            return Match(row, AMBIGUOUS, candidate=candidates[0],
                         reason=f"{provider} id {value} names a {' and a '.join(kinds)} in Plex, and the row "
                                "does not say which: "
                                f"{', '.join(sorted({f'{i.display_title} ({i.type})' for i in candidates}))}")
    if not candidates:
        return None
    fitting = [i for i in candidates if fits(row, i)]
    if not fitting:
        first = candidates[0]
        return Match(row, TYPE_MISMATCH, candidate=first,
                     reason=f"{row.title_type.replace('_', ' ')} row, but {provider} id {value} "
                            f"is a {first.type} in Plex")
    method = "legacy_guid" if all(i.legacy for i in fitting) else f"{provider}_guid"
    return Match(row, MATCHED, items=tuple(fitting), method=method)


def _by_title(row: RatingRow, index: LibraryIndex) -> Match:
    """Title + year, exact year before ±1; two different items at the same confidence is ambiguous."""
    seen: dict[int, LibraryItem] = {}
    for title in (row.title, row.original_title):
        if title:
            for item in index.find_title(title):
                seen[item.rating_key] = item
    candidates = [i for i in seen.values()
                  if (i.type != "season" or row.title_type == "tv_season")
                  and (i.type != "episode" or row.title_type == "tv_episode")]
    # An id-bearing row must not land on an item that names a different id of the same kind (in whatever agent form
    # it carries it: new-agent Guid, legacy imdb, Kodi NFO, HAMA — items.normalise_guid reads them all).
    candidates = [i for i in candidates if not _names_another_id(row, i)]
    if not candidates:
        return Match(row, NOT_FOUND, reason="no item with this id or title")
    fitting = [i for i in candidates if fits(row, i)]
    if not fitting:
        return Match(row, TYPE_MISMATCH, candidate=candidates[0],
                     reason=f"{row.title_type.replace('_', ' ')} row, but the title matches a {candidates[0].type}")
    if row.year is None:
        tiers = [fitting]
    else:
        # Exact year is the strong signal; Letterboxd and Plex often disagree by one year on release dates.
        tiers = [[i for i in fitting if i.year == row.year],
                 [i for i in fitting if i.year is not None and abs(i.year - row.year) == 1]]
    for tier in tiers:
        groups = _group_copies(tier)
        if len(groups) == 1:
            return Match(row, MATCHED, items=tuple(groups[0]), method="title_year")
        if len(groups) > 1:
            names = ", ".join(sorted({g[0].display_title for g in groups}))
            return Match(row, AMBIGUOUS, candidate=groups[0][0],
                         reason=f"{len(groups)} different items match: {names}")
    best = min(fitting, key=lambda i: abs((i.year or 0) - (row.year or 0)))
    return Match(row, NOT_FOUND, candidate=best,
                 reason=f"title matches {best.display_title} but the year differs by more than 1")


def _names_another_id(row: RatingRow, item: LibraryItem) -> bool:
    """True when the item carries an id of a kind the row also has (so a different one: the row's own id missed)."""
    for provider, value in (("imdb", row.imdb_id), ("tmdb", row.tmdb_id), ("tvdb", row.tvdb_id)):
        if value and any(g.startswith(f"{provider}://") for g in item.guids):
            return True
    return False


def _group_copies(items: list[LibraryItem]) -> list[list[LibraryItem]]:
    """Copies of one title in different sections (4K + HD) form one group; anything else is a different item."""
    groups: dict[tuple[object, ...], list[LibraryItem]] = {}
    for item in items:
        ids = frozenset(g for g in item.guids if not g.startswith("plex://")) or frozenset(item.guids)
        key: tuple[object, ...] = (item.type, item.year, ids) if ids else (item.type, item.year, item.rating_key)
        same = next((k for k, g in groups.items() if k[0] == key[0] and k[1] == key[1]
                     and isinstance(k[2], frozenset) and isinstance(key[2], frozenset) and k[2] & key[2]
                     and all(x.section_id != item.section_id for x in g)), None)
        groups.setdefault(same or key, []).append(item)
    return list(groups.values())
