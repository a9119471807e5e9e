"""Planning rules users rely on, and the report's exact wording."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from ratings_to_plex.errors import UsageError
from ratings_to_plex.match import Match, match_rows
from ratings_to_plex.plan import KEPT_EXISTING, NOT_NEWER, UNCHANGED, PlanOptions, build_plan, plan_change
from ratings_to_plex.report import BREAKDOWN, breakdown_lines, tally, update_line, write_unmatched_csv
from ratings_to_plex.sources.model import INVALID_RATING, Problem, ReadResult

from .engine_helpers import index, item, row


def test_update_line_is_the_seeds_wording() -> None:
    inception = item("Inception", 2010)
    change = plan_change(row("Inception", 2010, rating=8), inception, PlanOptions())
    assert update_line(change) == 'Updated Plex rating for "Inception (2010)" to 8 (4.0★)'
    lb = plan_change(row("Inception", 2010, rating=9, source="letterboxd"), inception, PlanOptions())
    assert update_line(lb) == 'Updated Plex rating for "Inception (2010)" to 9 (4.5★)'


def test_unchanged_is_skipped_unless_forced() -> None:
    rated = item("X", rating=8.0)
    assert plan_change(row("X", rating=8), rated, PlanOptions()).skip == UNCHANGED
    assert plan_change(row("X", rating=8), rated, PlanOptions()).writes is False
    forced = plan_change(row("X", rating=8), rated, PlanOptions(force=True))
    assert forced.skip is None and forced.set_rating


def test_only_empty_never_touches_an_existing_rating() -> None:
    opts = PlanOptions(policy="only-empty")
    assert plan_change(row("X", rating=3), item("X", rating=8.0), opts).skip == KEPT_EXISTING
    assert plan_change(row("X", rating=3), item("X"), opts).set_rating


def test_newer_policy_compares_dates() -> None:
    opts = PlanOptions(policy="newer")
    plex_2020 = item("X", rating=6.0, rated_at=1_577_836_800)  # 2020-01-01
    assert plan_change(row("X", rating=9, rated=date(2021, 5, 1)), plex_2020, opts).set_rating
    assert plan_change(row("X", rating=9, rated=date(2019, 5, 1)), plex_2020, opts).skip == NOT_NEWER
    assert plan_change(row("X", rating=9, rated=None), plex_2020, opts).skip == NOT_NEWER


def test_mark_watched_only_for_unwatched_items() -> None:
    opts = PlanOptions(mark_watched=True)
    assert plan_change(row("X"), item("X"), opts).watched is True
    assert plan_change(row("X"), item("X", views=2), opts).watched is None
    # unchanged rating but unwatched: the rating is skipped, the mark is still a write
    c = plan_change(row("X", rating=8), item("X", rating=8.0), opts)
    assert c.skip == UNCHANGED and c.watched is True and c.writes


def test_unknown_policy_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="only-empty"):
        PlanOptions(policy="sometimes")


def test_breakdown_counts_each_row_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = item("A", 2001, guids=("imdb://tt0000001",))
    b = item("B", 2002, guids=("imdb://tt0000002",), rating=7.0)
    s = item("S", 2003, kind="show", guids=("imdb://tt0000003",))
    rows = [row("A", 2001, imdb="tt0000001", rating=9, line=2), row("B", 2002, imdb="tt0000002", rating=7, line=3),
            row("S", 2003, imdb="tt0000003", kind="movie", line=4), row("Z", 1999, imdb="tt0000009", line=5),
            row("S", 2003, imdb="tt0000003", kind="tv_series", line=6)]
    source = ReadResult("imdb_ratings", rows, [Problem(7, INVALID_RATING, "rating 11 is off the 1–10 scale",
                                                       {"Const": "tt0000010", "Title": "=cmd()"})],
                        tmp_path / "ratings.csv", columns=["Const", "Title"])
    matches: list[Match] = match_rows(rows, index(a, b, s), types=frozenset({"movie", "tv_movie"}))
    plan = build_plan(source, matches, PlanOptions())
    t = tally(plan, [], dry_run=True)
    assert t.counts["Updated"] == 1 and t.counts["Skipped unchanged"] == 1
    assert t.counts["Type mismatch"] == 1 and t.counts["Not found in Plex"] == 1
    assert t.counts["Filtered by type"] == 1 and t.counts["Invalid rating value"] == 1
    assert t.counts["Exported failures"] == 3
    lines = breakdown_lines(t.counts)
    assert lines[0] == "Breakdown:" and [ln.split(":")[0].strip() for ln in lines[1:8]] == list(BREAKDOWN)
    path = write_unmatched_csv(tmp_path, "imdb", "ratings", ["Const", "Title"], t.unmatched, "20260101_000000")
    assert path is not None and path.name == "Unmatched_imdb_ratings_20260101_000000.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["Const", "Title", "Line", "Reason", "Best candidate"]
    assert [r[2] for r in table[1:]] == ["4", "5", "7"]
    assert "'=cmd()" in table[3][1]  # formula injection neutralised
