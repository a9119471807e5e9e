"""The restore planner: make the chosen libraries' ratings exactly what a JSON backup says — including clearing
ratings added since — as a `Plan` of kind RESTORE, run by the one executor (journaled, previewable, undoable).

On the server the backup came from, items are found by rating key (then by GUID, for items re-added since); on
another server by their GUIDs (`plex://`, `imdb://`, `tmdb://`, `tvdb://`) and type, never by title. Every copy
that carries a backed-up item's GUIDs gets its rating (as sync rates an HD and a 4K copy alike).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from .errors import UsageError
from .export import Backup, ExportedItem
from .model import RunKind
from .plan import Change, Plan, Skipped
from .plex.client import PlexClient, Section
from .plex.index import scan_sections
from .plex.items import LibraryItem

_EPSILON: Final = 0.01


def restore_sections(client: PlexClient, backup: Backup, libraries: Sequence[str] = ()) -> list[Section]:
    """The sections to restore: `libraries` (names or keys) when given, else the backup's libraries by name."""
    usable = [s for s in client.sections() if s.listable_types]
    wanted = list(libraries) or backup.libraries
    chosen = [s for s in usable if s.title in wanted or str(s.key) in wanted]
    missing = [w for w in wanted if not any(s.title == w or str(s.key) == w for s in chosen)]
    if missing:
        raise UsageError(f"No movie or TV library named {', '.join(map(repr, missing))} on {client.name}: choose "
                         f"with --library one of {', '.join(repr(s.title) for s in usable) or '(none)'}.")
    return chosen


def plan_restore(client: PlexClient, backup: Backup, sections: Sequence[Section], *, workers: int = 4) -> Plan:
    """Read the sections once and plan, per item, the rating the backup gives it (None: cleared)."""
    pairs = [(s.key, kind) for s in sections for kind in s.listable_types]
    current = scan_sections(client, pairs, list(sections), workers=max(1, min(workers, 6))).items
    same_server = backup.server_id == client.machine_identifier
    by_key = {item.rating_key: item for item in current}
    by_guid: dict[tuple[str, str], list[LibraryItem]] = {}
    for item in current:
        for guid in item.guids:
            by_guid.setdefault((item.type, guid), []).append(item)
    wanted: dict[int, float | None] = {}
    skipped: list[Skipped] = []
    for saved in backup.items:
        found = _find(saved, by_key if same_server else {}, by_guid)
        if not found:
            skipped.append(Skipped(saved.rating_key, _label(saved), "not found on this server by rating key or "
                                   "GUID; left as it is"))
        for item in found:
            wanted.setdefault(item.rating_key, saved.user_rating)
    changes = [Change(item, None, item.user_rating, wanted.get(item.rating_key), True, item.watched)
               for item in current if _differs(item.user_rating, wanted.get(item.rating_key))]
    return Plan(None, [], changes, kind=RunKind.RESTORE, libraries=[s.title for s in sections], skipped=skipped)


def _find(saved: ExportedItem, by_key: dict[int, LibraryItem],
          by_guid: dict[tuple[str, str], list[LibraryItem]]) -> list[LibraryItem]:
    item = by_key.get(saved.rating_key)
    if item is not None and item.type == saved.type and (not saved.guids or set(saved.guids) & set(item.guids)):
        return [item]
    found: dict[int, LibraryItem] = {}
    for guid in saved.guids:
        for candidate in by_guid.get((saved.type, guid), []):
            found.setdefault(candidate.rating_key, candidate)
    return list(found.values())


def _differs(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return old is not new
    return abs(old - new) >= _EPSILON


def _label(saved: ExportedItem) -> str:
    title = f"{saved.show_title}: {saved.title}" if saved.show_title else saved.title
    return f"{title} ({saved.year})" if saved.year else title
