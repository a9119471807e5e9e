"""How values read to a person, shared by every interface so the CLI, the desktop app and the web UI word them
alike: ratings (`8`, `unrated`), stars (`4.0★`), the plan's one-line summary and the breakdown labels."""

from __future__ import annotations

from ..report import BREAKDOWN, EXTRA, counts_key, fmt_rating, plan_summary, stars
from ..undo import ALREADY_RESTORED, CHANGED_SINCE, MARKED_UNWATCHED

__all__ = ["ALREADY_RESTORED", "BREAKDOWN", "CHANGED_SINCE", "EXTRA", "MARKED_UNWATCHED", "counts_key", "fmt_rating",
           "plan_summary", "stars"]
