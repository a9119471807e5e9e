"""Matching: ids before titles, copies rated together, and never a guess between two different items."""

from __future__ import annotations

import pytest

from ratings_to_plex.match import AMBIGUOUS, FILTERED, MATCHED, NOT_FOUND, TYPE_MISMATCH, match_row, match_rows
from ratings_to_plex.plex.items import normalise_guid
from ratings_to_plex.titles import normalise_title

from .engine_helpers import index, item, row


@pytest.mark.parametrize(("raw", "expected"), [
    ("imdb://tt0111161", "imdb://tt0111161"),
    ("com.plexapp.agents.imdb://tt0111161?lang=en", "imdb://tt0111161"),
    ("com.plexapp.agents.themoviedb://278?lang=en", "tmdb://278"),
    ("com.plexapp.agents.thetvdb://81189/1/3?lang=en", "tvdb://81189/1/3"),
    ("plex://movie/5d7768ba96b655001fdc0408", "plex://movie/5d7768ba96b655001fdc0408"),
    ("local://123", None),
    ("com.plexapp.agents.none://abc", None),
    ("com.plexapp.agents.imdb://garbage?lang=en", None),
    ("", None),
])
def test_guids_of_both_agents_normalise_to_one_form(raw: str, expected: str | None) -> None:
    assert normalise_guid(raw) == expected


@pytest.mark.parametrize(("a", "b"), [
    ("Amélie", "amelie"),
    ("The Lord of the Rings: The Return of the King", "Lord of the Rings - The Return of the King"),
    ("Rocky II", "Rocky 2"),
    ("Fast & Furious", "Fast and Furious"),
    ("Crouching Tiger, Hidden Dragon", "crouching tiger hidden dragon"),
    ("Schindler's List", "Schindlers List"),
    ("Les Misérables", "Miserables"),
])
def test_titles_a_person_calls_equal_normalise_equal(a: str, b: str) -> None:
    assert normalise_title(a) == normalise_title(b)


def test_distinct_titles_stay_distinct() -> None:
    assert normalise_title("Alien") != normalise_title("Aliens")
    assert normalise_title("千と千尋の神隠し") != ""


def test_imdb_id_in_new_and_legacy_guids() -> None:
    new = item("Inception", 2010, guids=("plex://movie/1", "imdb://tt1375666"))
    legacy = item("The Godfather", 1972, guids=("imdb://tt0068646",), legacy=True)
    idx = index(new, legacy)
    a = match_row(row("Inception", 2010, imdb="tt1375666"), idx)
    b = match_row(row("Il padrino", 1972, imdb="tt0068646"), idx)
    assert (a.status, a.items, a.method) == (MATCHED, (new,), "imdb_guid")
    assert (b.status, b.items, b.method) == (MATCHED, (legacy,), "legacy_guid")


def test_every_copy_of_an_id_is_rated() -> None:
    hd = item("Dune", 2021, guids=("imdb://tt1160419",), section=1)
    uhd = item("Dune", 2021, guids=("imdb://tt1160419",), section=3)
    m = match_row(row("Dune", 2021, imdb="tt1160419"), index(hd, uhd))
    assert m.status == MATCHED and set(m.items) == {hd, uhd}


def test_type_mismatch_when_the_id_is_another_kind() -> None:
    show = item("Breaking Bad", 2008, kind="show", guids=("imdb://tt0903747",))
    m = match_row(row("Breaking Bad", 2008, imdb="tt0903747", kind="movie"), index(show))
    assert m.status == TYPE_MISMATCH and m.candidate == show


def test_unknown_title_type_matches_by_id_regardless_of_type() -> None:
    show = item("Serie", 2008, kind="show", guids=("imdb://tt0903747",))
    assert match_row(row("Serie", 2008, imdb="tt0903747", kind="other"), index(show)).status == MATCHED


def test_episode_rows_rate_episodes() -> None:
    ep = item("Pilot", 2008, kind="episode", guids=("imdb://tt0959621",))
    show = item("Breaking Bad", 2008, kind="show", guids=("imdb://tt0903747",))
    m = match_row(row("Breaking Bad: Pilot", 2008, imdb="tt0959621", kind="tv_episode"), index(ep, show))
    assert m.status == MATCHED and m.items == (ep,)


def test_title_year_exact_then_plus_minus_one() -> None:
    old = item("Solaris", 1972, guids=("imdb://tt0069293",))
    new = item("Solaris", 2002, guids=("imdb://tt0307479",))
    idx = index(old, new)
    assert match_row(row("Solaris", 2002, source="letterboxd"), idx).items == (new,)
    m = match_row(row("Solaris", 2003, source="letterboxd"), idx)
    assert m.items == (new,) and m.method == "title_year"
    far = match_row(row("Solaris", 1990, source="letterboxd"), idx)
    assert far.status == NOT_FOUND and far.candidate is not None


def test_original_title_matches() -> None:
    amelie = item("Le Fabuleux Destin d'Amélie Poulain", 2001, original="Le Fabuleux Destin d'Amélie Poulain")
    m = match_row(row("Amelie", 2001, original="Le fabuleux destin d'Amélie Poulain", source="letterboxd"),
                  index(amelie))
    assert m.status == MATCHED


def test_two_different_items_at_the_same_confidence_are_ambiguous() -> None:
    a = item("Hamlet", 1990, guids=("imdb://tt0099726",))
    b = item("Hamlet", 1990, guids=("imdb://tt9999999",))
    m = match_row(row("Hamlet", 1990, source="letterboxd"), index(a, b))
    assert m.status == AMBIGUOUS and "2 different items" in m.reason and not m.items


def test_plus_minus_one_is_ambiguous_when_two_neighbours() -> None:
    a = item("Twin", 1999, guids=("imdb://tt0000001",))
    b = item("Twin", 2001, guids=("imdb://tt0000002",))
    assert match_row(row("Twin", 2000, source="letterboxd"), index(a, b)).status == AMBIGUOUS


def test_exact_year_beats_neighbour() -> None:
    a = item("Twin", 2000, guids=("imdb://tt0000001",))
    b = item("Twin", 2001, guids=("imdb://tt0000002",))
    assert match_row(row("Twin", 2000, source="letterboxd"), index(a, b)).items == (a,)


def test_id_row_never_lands_on_an_item_with_another_imdb_id() -> None:
    other = item("Inception", 2010, guids=("imdb://tt9999999",))
    assert match_row(row("Inception", 2010, imdb="tt1375666"), index(other)).status == NOT_FOUND
    local = item("Inception", 2010, guids=())
    m = match_row(row("Inception", 2010, imdb="tt1375666"), index(local))
    assert m.status == MATCHED and m.method == "title_year"


def test_type_filter_before_matching() -> None:
    show = item("Chernobyl", 2019, kind="show", guids=("imdb://tt7366338",))
    [m] = match_rows([row("Chernobyl", 2019, imdb="tt7366338", kind="tv_mini_series")], index(show),
                     types=frozenset({"movie"}))
    assert m.status == FILTERED
