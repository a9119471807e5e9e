"""States as enums (issue 11) with the exact INTERFACES.md text, and a huge bad file counted in full (issue 15)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ratings_to_plex.match import FILTERED, Match, MatchStatus, match_row, match_rows
from ratings_to_plex.model import RunKind
from ratings_to_plex.plan import Change, Plan, PlanOptions, build_plan, plan_change
from ratings_to_plex.plex.discover import DISCOVER_SECTION, KEY_BASE
from ratings_to_plex.report import (
    BREAKDOWN,
    EXTRA,
    UNDO_LABELS,
    Label,
    breakdown_lines,
    counts_key,
    tally,
    update_line,
)
from ratings_to_plex.sources import read_ratings
from ratings_to_plex.sources.limits import MAX_PROBLEMS
from ratings_to_plex.sources.model import INVALID_RATING, MISSING_IMDB_ID
from ratings_to_plex.undo import undo_counts

from .engine_helpers import index, item, row

_INTERFACES_ORDER = ["Skipped unchanged", "Missing IMDb ID", "Invalid rating value", "Not found in Plex",
                     "Type mismatch", "Rate failed errors", "Exported failures", "Updated", "Marked watched",
                     "Ambiguous", "Filtered by type", "Empty rating skipped"]


def test_breakdown_labels_are_enums_with_the_exact_text_and_order() -> None:
    labels = BREAKDOWN + EXTRA
    assert all(isinstance(label, Label) for label in labels + UNDO_LABELS)
    assert [str(label) for label in labels][: len(_INTERFACES_ORDER)] == _INTERFACES_ORDER
    lines = breakdown_lines(dict.fromkeys(labels, 0))
    assert lines[1:13] == [f"  {text}: 0" for text in _INTERFACES_ORDER]
    # A counts dict keyed by labels still answers by text, and its JSON keys are the documented ones.
    counts = tally(build_plan(None, [], PlanOptions()), [], dry_run=True).counts
    assert counts["Updated"] == 0 and counts[Label.UPDATED] == 0
    assert json.loads(json.dumps({counts_key(k): v for k, v in counts.items()}))["rate_failed_errors"] == 0


def test_match_status_is_an_enum_that_reads_as_before() -> None:
    film = item("Heat", 1995, guids=("imdb://tt0113277",))
    found = match_row(row("Heat", 1995, imdb="tt0113277"), index(film))
    assert found.status is MatchStatus.MATCHED and found.status == "matched"
    missing = match_row(row("Nope", 1990), index(film))
    assert missing.status is MatchStatus.NOT_FOUND and f"{missing.status}" == "not_found"
    off = match_rows([row("Heat", 1995)], index(film), types=frozenset({"tv_series"}))[0]
    assert off.status is FILTERED is MatchStatus.FILTERED


def test_a_file_with_more_bad_rows_than_are_kept_counts_every_one(tmp_path: Path) -> None:
    header = "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes," \
             "Release Date,Directors\n"
    bad_ids, bad_ratings = MAX_PROBLEMS + 250, 40
    lines = [f"nm{n:07d},8,2023-01-01,Bad id {n},,Movie,7,100,2000,Drama,1,2000-01-01,X\n" for n in range(bad_ids)]
    lines += [f"tt{n:07d},eleven,2023-01-01,Bad rating {n},,Movie,7,100,2000,Drama,1,2000-01-01,X\n"
              for n in range(1, bad_ratings + 1)]
    path = tmp_path / "ratings.csv"
    path.write_text(header + "".join(lines), encoding="utf-8")
    source = read_ratings(path)
    assert len(source.problems) == MAX_PROBLEMS and sum(source.omitted_problems.values()) > 0  # the cap applied
    counts = tally(build_plan(source, [], PlanOptions()), [], dry_run=True).counts
    assert counts[Label.MISSING_IMDB_ID] == bad_ids
    assert counts[Label.INVALID_RATING] == bad_ratings
    assert source.problem_counts() == {MISSING_IMDB_ID: bad_ids, INVALID_RATING: bad_ratings}
    assert counts[Label.EXPORTED_FAILURES] == MAX_PROBLEMS  # only the kept rows can go to the unmatched CSV


def test_an_unmatched_row_counts_under_its_status_label() -> None:
    plan = build_plan(None, [Match(row("A"), MatchStatus.AMBIGUOUS, reason="two"),
                             Match(row("B"), MatchStatus.TYPE_MISMATCH, reason="show")], PlanOptions())
    counts = tally(plan, [], dry_run=True).counts
    assert (counts[Label.AMBIGUOUS], counts[Label.TYPE_MISMATCH], counts[Label.EXPORTED_FAILURES]) == (1, 1, 2)


def test_an_undo_counts_ratings_put_back_on_discover_apart_from_updated() -> None:
    library_item = item("In a library", rating=6.0)
    on_discover = item("On Discover", rating=7.0, key=KEY_BASE + 5, section=DISCOVER_SECTION)
    plan = Plan(None, [], [Change(library_item, None, 6.0, 8.0, True, False, None),
                           Change(on_discover, None, 7.0, None, True, False, None)], kind=RunKind.UNDO)
    counts = undo_counts(plan, [], dry_run=True)
    assert (counts[Label.UPDATED], counts[Label.RATED_ON_DISCOVER]) == (1, 1)


def test_a_rating_on_a_scale_of_its_own_says_the_score_it_came_from() -> None:
    film = item("Heat", 1995)
    criticker = dataclasses.replace(row("Heat", 1995, rating=8.6), source="criticker", source_rating=86.0)
    line = update_line(plan_change(criticker, film, PlanOptions()))
    assert line == 'Updated Plex rating for "Heat (1995)" to 8.6 (4.3★) from Criticker score 86'
    imdb = update_line(plan_change(row("Heat", 1995, rating=8), film, PlanOptions()))
    assert imdb == 'Updated Plex rating for "Heat (1995)" to 8 (4.0★)'  # the seed's wording, unchanged
