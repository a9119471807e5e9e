"""How values read to a person, shared by every interface so the CLI, the desktop app and the web UI word them
alike: ratings (`8`, `unrated`), stars (`4.0★`), the plan's one-line summary, the breakdown labels and a match's
status (`MatchStatus`: `MATCHED`, `NOT_FOUND`, …, as `Match.status` holds them). Labels and statuses are string
enums (`Label`, `MatchStatus`): they compare equal to, and print as, the exact text of INTERFACES.md."""

from __future__ import annotations

from ..match import AMBIGUOUS, FILTERED, MATCHED, NOT_FOUND, TYPE_MISMATCH, MatchStatus
from ..report import BREAKDOWN, EXTRA, UNDO_LABELS, Label, breakdown_lines, counts_key, fmt_rating, plan_summary, stars
from ..sources.model import ReadResult
from ..undo import ALREADY_RESTORED, CHANGED_SINCE, MARKED_UNWATCHED


def rows_in(source: ReadResult) -> int:
    """Every row of the file: the usable ones and every problem row (also those counted but not kept)."""
    return len(source.rows) + sum(source.problem_counts().values())


__all__ = ["ALREADY_RESTORED", "AMBIGUOUS", "BREAKDOWN", "CHANGED_SINCE", "EXTRA", "FILTERED", "MARKED_UNWATCHED",
           "MATCHED", "NOT_FOUND", "TYPE_MISMATCH", "UNDO_LABELS", "Label", "MatchStatus", "breakdown_lines",
           "counts_key", "fmt_rating", "plan_summary", "rows_in", "stars"]
