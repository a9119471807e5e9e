"""What the user sees of a run: dual-form log lines, the breakdown, the unmatched CSV, log files, a JSON summary.

Labels and their order are the seed's (INTERFACES.md "Breakdown labels"); scripts and users read them, so they are
data here, not scattered strings.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from .apply import FAILED, UPDATED, Outcome
from .match import MatchStatus
from .model import StrEnum
from .plan import KEPT_EXISTING, NOT_NEWER, UNCHANGED, Change, Plan
from .plex.discover import on_discover
from .plex.items import LibraryItem
from .security import clean_text, private_dir, private_file, safe_cell
from .sources.model import EMPTY_RATING, INVALID_RATING, MISSING_IMDB_ID
from .sources.registry import original_score


class Label(StrEnum):
    """A breakdown label. The value is the exact text of INTERFACES.md (people and scripts read it; its JSON key is
    `counts_key(label)`), so a `counts` dict keyed by labels still answers `counts["Updated"]`."""

    SKIPPED_UNCHANGED = "Skipped unchanged"
    MISSING_IMDB_ID = "Missing IMDb ID"
    INVALID_RATING = "Invalid rating value"
    NOT_FOUND = "Not found in Plex"
    TYPE_MISMATCH = "Type mismatch"
    RATE_FAILED = "Rate failed errors"
    EXPORTED_FAILURES = "Exported failures"
    UPDATED = "Updated"
    MARKED_WATCHED = "Marked watched"
    AMBIGUOUS = "Ambiguous"
    FILTERED = "Filtered by type"
    EMPTY_RATING = "Empty rating skipped"
    KEPT_BY_POLICY = "Kept by policy"
    NOT_ATTEMPTED = "Not attempted"
    RATED_ON_DISCOVER = "Rated on Discover"
    # An undo's own (INTERFACES.md "undo"): what it found changed since, already as before, and un-marked.
    CHANGED_SINCE = "Skipped changed since"
    ALREADY_RESTORED = "Already restored"
    MARKED_UNWATCHED = "Marked unwatched"


L = Label
#: The seed's breakdown, in its order; then the labels added since, in theirs (INTERFACES.md "Breakdown labels").
BREAKDOWN: Final = (L.SKIPPED_UNCHANGED, L.MISSING_IMDB_ID, L.INVALID_RATING, L.NOT_FOUND, L.TYPE_MISMATCH,
                    L.RATE_FAILED, L.EXPORTED_FAILURES)
EXTRA: Final = (L.UPDATED, L.MARKED_WATCHED, L.AMBIGUOUS, L.FILTERED, L.EMPTY_RATING, L.KEPT_BY_POLICY,
                L.NOT_ATTEMPTED, L.RATED_ON_DISCOVER)
UNDO_LABELS: Final = (L.CHANGED_SINCE, L.ALREADY_RESTORED, L.MARKED_UNWATCHED)
_MATCH_LABEL: Final = {MatchStatus.NOT_FOUND: L.NOT_FOUND, MatchStatus.AMBIGUOUS: L.AMBIGUOUS,
                       MatchStatus.TYPE_MISMATCH: L.TYPE_MISMATCH, MatchStatus.FILTERED: L.FILTERED}


def counts_key(label: str) -> str:
    """`Rate failed errors` → `rate_failed_errors` (the JSON key)."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def fmt_rating(rating: float | None) -> str:
    return "unrated" if rating is None else f"{rating:g}"


def stars(rating: float) -> str:
    return f"{rating / 2:.1f}★"


def update_line(change: Change, dry_run: bool = False, library: str = "") -> str:
    """`Updated Plex rating for "Inception (2010)" to 8 (4.0★)` — the seed's wording, kept exactly; `library` names
    the library (` in Movies 4K`) for a title whose copies in several libraries would otherwise read the same, and a
    source scoring on its own scale adds the score it gave (` from Criticker score 86`)."""
    verb = "Would update" if dry_run else "Updated"
    where = " on Plex Discover" if on_discover(change.item) else _in(library)
    if change.new_rating is None:
        return f'{"Would clear" if dry_run else "Cleared"} Plex rating for "{change.item.display_title}"{where}'
    score = original_score(change.row) if change.row else None  # `Criticker score 86`: a scale of its own
    return f'{verb} Plex rating for "{change.item.display_title}"{where} to {fmt_rating(change.new_rating)} ' \
           f"({stars(change.new_rating)})" + (f" from {score}" if score else "")


def watched_line(change: Change, dry_run: bool = False, library: str = "") -> str:
    state = "watched" if change.watched else "unwatched"
    where = " on Plex Discover" if on_discover(change.item) else _in(library)
    return f'{"Would mark" if dry_run else "Marked"} "{change.item.display_title}"{where} as {state}'


def _in(library: str) -> str:
    return f" in {library}" if library else ""


def skip_line(change: Change) -> str:
    title, old = change.item.display_title, fmt_rating(change.old_rating)
    if change.skip == UNCHANGED:
        return f'Skipped unchanged "{title}": already {old}'
    if change.skip == KEPT_EXISTING:
        return f'Kept existing rating {old} for "{title}" (policy only-empty)'
    return f'Kept rating {old} for "{title}": Plex\'s rating is newer (policy newer)'


def decision_lines(plan: Plan) -> list[tuple[bool, str]]:
    """A line for every row that will not be written, (is_warning, text): unusable rows, and rows not found,
    ambiguous (naming every candidate), of the wrong type or filtered out — so the log covers every decision."""
    lines = [(True, f"{p.label}: line {p.line}: {p.reason}") for p in plan.problems]
    for m in plan.matches:
        if m.status is MatchStatus.MATCHED:
            continue
        year = f" ({m.row.year})" if m.row.year else ""
        reason = f": {m.reason}" if m.reason else ""
        warn = m.status is not MatchStatus.FILTERED
        lines.append((warn, f'{_MATCH_LABEL[m.status]}: "{m.row.title}{year}" (line {m.row.line}){reason}'))
    return lines


@dataclass
class UnmatchedRow:
    line: int
    raw: dict[str, str]
    reason: str
    candidate: str = ""


@dataclass
class Tally:
    """The breakdown of one run, plus the rows that go to the unmatched CSV."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BREAKDOWN + EXTRA, 0))  # by `Label`
    unmatched: list[UnmatchedRow] = field(default_factory=list)

    def export(self, line: int, raw: Any, reason: str, candidate: LibraryItem | None = None, why: str = "") -> None:
        where = f"{candidate.display_title} [ratingKey {candidate.rating_key}]" + (f": {why}" if why else "") \
            if candidate else ""
        self.unmatched.append(UnmatchedRow(line, dict(raw or {}), reason, where))
        self.counts[L.EXPORTED_FAILURES] += 1


def problem_label(text: str) -> Label:
    """The label a reader's `Problem` counts under (readers attach the label's text; anything else is an invalid
    rating, as the seed counted it)."""
    return Label(text) if text in _PROBLEM_LABELS else L.INVALID_RATING


_PROBLEM_LABELS: Final = frozenset({MISSING_IMDB_ID, INVALID_RATING, EMPTY_RATING})


def tally(plan: Plan, outcomes: Iterable[Outcome], dry_run: bool) -> Tally:
    """Count every row and item exactly once under its label (INTERFACES.md defines each).

    Problem rows past the reader's cap (`source.omitted_problems`) are counted too: a file with 50,000 bad rows says
    50,000, although only the first ones are kept for the unmatched CSV."""
    t = Tally()
    c = t.counts
    for problem in plan.problems:
        c[problem_label(problem.label)] += 1
        t.export(problem.line, problem.raw, f"{problem.label}: {problem.reason}")
    for text, count in (plan.source.omitted_problems.items() if plan.source else ()):
        c[problem_label(text)] += count
    for m in plan.matches:
        if m.status is MatchStatus.MATCHED:
            continue
        c[_MATCH_LABEL[m.status]] += 1
        if m.status is not MatchStatus.FILTERED:
            t.export(m.row.line, m.row.raw, f"{_MATCH_LABEL[m.status]}: {m.reason}", m.candidate, m.reason)
    by_key = {o.change.item.rating_key: o for o in outcomes}
    for ch in plan.changes:
        outcome = by_key.get(ch.item.rating_key)
        if ch.skip == UNCHANGED:
            c[L.SKIPPED_UNCHANGED] += 1
        elif ch.skip in (KEPT_EXISTING, NOT_NEWER):
            c[L.KEPT_BY_POLICY] += 1
            t.export(ch.row.line if ch.row else 0, ch.row.raw if ch.row else {}, skip_line(ch))
        if not ch.writes:
            continue
        line, raw = (ch.row.line, ch.row.raw) if ch.row else (0, {})
        if dry_run or (outcome is not None and outcome.status == UPDATED):
            c[L.RATED_ON_DISCOVER if on_discover(ch.item) else L.UPDATED] += int(ch.set_rating)
            c[L.MARKED_WATCHED] += int(bool(ch.watched))
        elif outcome is not None and outcome.status == FAILED:
            c[L.RATE_FAILED] += 1
            t.export(line, raw, f"Rate failed: {outcome.error}", ch.item)
        else:  # cancelled or stopped before this write was tried: `--resume` finishes it
            c[L.NOT_ATTEMPTED] += 1
            t.export(line, raw, "Not attempted: the run was cancelled or stopped first", ch.item)
    return t


DRY_RUN_LABELS: Final[dict[str, str]] = {L.UPDATED: "Would update", L.MARKED_WATCHED: "Would mark watched",
                                        L.RATED_ON_DISCOVER: "Would rate on Discover"}


def shown_label(label: str, dry_run: bool = False) -> str:
    """A breakdown label as a person reads it: a dry run wrote nothing, so it says what *would* be written (the
    JSON keys and the real run's labels stay those of INTERFACES.md)."""
    return DRY_RUN_LABELS.get(label, label) if dry_run else label


def breakdown_lines(counts: dict[str, int], dry_run: bool = False) -> list[str]:
    return ["Breakdown:"] + [f"  {shown_label(label, dry_run)}: {counts[label]}" for label in BREAKDOWN + EXTRA]


def stamp(now: datetime | None = None) -> str:
    return (now or datetime.now()).strftime("%Y%m%d_%H%M%S")


def write_unmatched_csv(folder: Path, source: str, stem: str, columns: list[str], rows: list[UnmatchedRow],
                        when: str) -> Path | None:
    """`Unmatched_<source>_<stem>_YYYYMMDD_HHMMSS.csv`: the source columns in order + line, reason, candidate."""
    if not rows:
        return None
    path = private_dir(folder) / f"Unmatched_{source}_{_safe_stem(stem)}_{when}.csv"
    extra = [k for r in rows for k in r.raw if k not in columns]
    header = list(columns) + list(dict.fromkeys(extra)) + ["Line", "Reason", "Best candidate"]
    with private_file(path).open("w", encoding="utf-8-sig", newline="", errors="replace") as fh:
        writer = csv.writer(fh)
        writer.writerow([safe_cell(h) for h in header])
        for r in sorted(rows, key=lambda r: r.line):
            # The reason and the candidate carry server text (error bodies, titles): no escape sequences in them.
            values = [r.raw.get(col, "") for col in header[:-3]] + [str(r.line), clean_text(r.reason),
                                                                     clean_text(r.candidate)]
            writer.writerow([safe_cell(v or "") for v in values])
    return path


def _safe_stem(stem: str) -> str:
    return re.sub(r"[^\w.-]+", "_", stem)[:80] or "export"


def plan_summary(plan: Plan) -> str:
    """One line saying what a plan would do, shown before asking to write."""
    counts = tally(plan, [], dry_run=True).counts
    parts = [f"{counts[L.UPDATED]} rating(s) to write"]
    if counts[L.RATED_ON_DISCOVER]:
        parts.append(f"On Plex Discover (not in your libraries): {counts[L.RATED_ON_DISCOVER]}")
    if counts[L.MARKED_WATCHED]:
        parts.append(f"{counts[L.MARKED_WATCHED]} to mark watched")
    labels = (L.SKIPPED_UNCHANGED, L.KEPT_BY_POLICY, L.NOT_FOUND, L.AMBIGUOUS, L.TYPE_MISMATCH, L.FILTERED,
              L.MISSING_IMDB_ID, L.INVALID_RATING, L.EMPTY_RATING)
    parts += [f"{label}: {counts[label]}" for label in labels if counts[label]]
    return "Plan: " + ", ".join(parts)
