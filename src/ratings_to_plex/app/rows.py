"""The preview table's rows, computed from a `Plan`: one row per planned item and per unmatched row, with the
category filter every interface offers (the desktop app's Preview tab, the web UI's preview).

Built in a worker thread, so a window only inserts ready-made tuples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from ..plan import Change, Plan, SkipReason
from .format import AMBIGUOUS, FILTERED, MATCHED, NOT_FOUND, TYPE_MISMATCH, fmt_rating, stars

UPDATE: Final = "update"
SAME: Final = "unchanged"
#: Filter menu entries, in order: (category or None for all, label).
CATEGORIES: Final[tuple[tuple[str | None, str], ...]] = (
    (None, "All"),
    (UPDATE, "Will update"),
    (SAME, "Unchanged"),
    (NOT_FOUND, "Not found"),
    (AMBIGUOUS, "Ambiguous"),
    (TYPE_MISMATCH, "Type mismatch"),
    (FILTERED, "Filtered by type"),
    ("problem", "Cannot be used"),
)
_MATCH_REASON: Final = {NOT_FOUND: "not found", AMBIGUOUS: "ambiguous", TYPE_MISMATCH: "type mismatch",
                        FILTERED: "type switched off"}


@dataclass(frozen=True, slots=True)
class PreviewRow:
    category: str  # UPDATE | SAME | a `MatchStatus` other than MATCHED | "problem"
    title: str
    year: str
    current: str
    new: str
    reason: str
    rating_key: int | None = None

    def values(self) -> tuple[str, str, str, str, str]:
        return self.title, self.year, self.current, self.new, self.reason


def plan_rows(plan: Plan, libraries: Mapping[int, str] | None = None) -> list[PreviewRow]:
    """Planned writes first, then skips, then rows that found nothing to rate, then unusable rows.

    With `libraries` (section id → title, when several are searched) each item's reason names its library, so two
    copies of a film (HD and 4K) can be told apart."""
    libraries = libraries or {}
    writes = [_change_row(c, libraries) for c in plan.changes if c.writes]
    skips = [_change_row(c, libraries) for c in plan.changes if not c.writes]
    unmatched = [
        PreviewRow(m.status, m.row.title, _year(m.row.year), "", _rating(m.row.plex_rating),
                   f"{_MATCH_REASON[m.status]}: {m.reason}" if m.reason else _MATCH_REASON[m.status])
        for m in plan.matches if m.status is not MATCHED
    ]
    problems = [
        PreviewRow("problem", str(p.raw.get("Title") or p.raw.get("Name") or f"line {p.line}"),
                   str(p.raw.get("Year") or ""), "", "", f"{p.label}: {p.reason} (line {p.line})")
        for p in plan.problems
    ]
    return writes + skips + unmatched + problems


def _change_row(c: Change, libraries: Mapping[int, str]) -> PreviewRow:
    row = _bare_change_row(c)
    where = libraries.get(c.item.section_id)
    return replace(row, reason=f"{row.reason} · {where}") if where else row


def _bare_change_row(c: Change) -> PreviewRow:
    item = c.item
    if c.writes:
        parts = []
        if c.set_rating:
            parts.append("rate")
        if c.watched:
            parts.append("watched")
        if c.skip:
            parts.insert(0, _skip_reason(c))
        return PreviewRow(UPDATE, item.title, _year(item.year), _rating(c.old_rating),
                          _rating(c.new_rating) if c.set_rating else _rating(c.old_rating), " + ".join(parts),
                          item.rating_key)
    return PreviewRow(SAME, item.title, _year(item.year), _rating(c.old_rating), _rating(c.new_rating),
                      _skip_reason(c), item.rating_key)


def _skip_reason(c: Change) -> str:
    if c.skip is None:
        return ""
    return {SkipReason.UNCHANGED: "same rating", SkipReason.KEPT_EXISTING: "kept: Plex has a rating",
            SkipReason.NOT_NEWER: "kept: Plex's is newer"}.get(c.skip, str(c.skip))


def _year(year: int | None) -> str:
    return "" if year is None else str(year)


def _rating(rating: float | None) -> str:
    return "—" if rating is None else f"{fmt_rating(rating)} ({stars(rating)})"


def counts(rows: list[PreviewRow]) -> dict[str | None, int]:
    """Rows per filter entry (None = all)."""
    result: dict[str | None, int] = {key: 0 for key, _ in CATEGORIES}
    result[None] = len(rows)
    for row in rows:
        result[row.category] = result.get(row.category, 0) + 1
    return result
