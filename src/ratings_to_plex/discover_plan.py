"""`--discover`: rows that match nothing in the chosen libraries, looked up on Plex Discover and planned there.

Runs after the library plan is made and only touches its `Not found in Plex` rows. A row is looked up by the ids it
carries, type-aware (a film id is asked for as a film, a series id as a show; one request per id, cached for the
run). A row without ids (Letterboxd) is searched by title and accepted only when exactly one result has the row's
type, year and title — two candidates are never guessed between. A found title's current state on the account is
read (`includeUserState=1`) and the same policy as for a library item decides the write (`plan.plan_change`), so
`--policy`, `--force` and `--mark-watched` (never twice: only an unwatched title is marked) mean the same online.
The row's match then points at the Discover item, so the breakdown, the unmatched CSV and the journal see it like any
other match; a row still not found keeps its status and gets the Discover reason appended.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from .errors import UsageError
from .match import MATCHED, NOT_FOUND, Match
from .plan import Change, Plan, plan_change
from .plex.client import PlexClient
from .plex.discover import DiscoverClient, OnlineTitle
from .plex.discover_items import WithDiscover, on_discover
from .sources.model import RatingRow
from .titles import normalise_title

#: Which Discover types a row's title type may be looked up as, in order ("other": unknown, so both).
KINDS: Final[dict[str, tuple[str, ...]]] = {
    "movie": ("movie",), "short": ("movie",), "video": ("movie",), "tv_movie": ("movie",),
    "tv_special": ("movie",), "tv_series": ("show",), "tv_mini_series": ("show",), "tv_episode": (),
    "other": ("movie", "show"),
}


PROGRESS_EVERY: Final = 50  # a log line every this many rows looked up


@dataclass
class DiscoverOutcome:
    """What the Discover step found: rows matched online, rows still not found, requests it took."""

    found: int = 0
    not_found: int = 0
    requests: int = 0
    reasons: dict[int, str] = field(default_factory=dict)  # row line → why it is not on Discover


def resolve(client: DiscoverClient, row: RatingRow) -> tuple[OnlineTitle | None, str]:
    """The row's title on Discover and how it was found; or None and why not."""
    kinds = KINDS.get(row.title_type, KINDS["other"])
    if not kinds:
        return None, "episodes are not rated on Plex Discover"
    ids = [(p, v) for p, v in (("imdb", row.imdb_id), ("tmdb", row.tmdb_id), ("tvdb", row.tvdb_id)) if v]
    if ids:
        for provider, value in ids:
            for kind in kinds:
                found = client.find(f"{provider}://{value}", kind)
                if found is not None:
                    return found, f"discover_{provider}"
        named = ", ".join(f"{p} {v}" for p, v in ids)
        return None, f"not on Plex Discover either ({named})"
    if row.year is None:
        return None, "no id and no year, so a Plex Discover search could not be confirmed"
    wanted = {normalise_title(t) for t in (row.title, row.original_title) if t}
    candidates: dict[str, OnlineTitle] = {}
    for kind in kinds:
        for title in client.search(row.title, kind):
            if title.year == row.year and normalise_title(title.title) in wanted:
                candidates[title.key] = title
    if len(candidates) == 1:
        return next(iter(candidates.values())), "discover_title_year"
    if candidates:
        return None, (f"{len(candidates)} titles on Plex Discover are called {row.title!r} ({row.year}); "
                      "not guessed")
    return None, f"no title called {row.title!r} ({row.year}) on Plex Discover"


def add_discover(plan: Plan, client: PlexClient, log: Callable[[str], None] = lambda _: None) -> DiscoverOutcome:
    """Look up the plan's not-found rows on Discover and add a change for every one found (in place).

    `client` is the connection's client, made Discover-aware when connecting (`plex.discover_items.with_discover`).
    """
    pending = [i for i, m in enumerate(plan.matches) if m.status == NOT_FOUND]
    result = DiscoverOutcome()
    if not pending:
        return result
    if not isinstance(client, WithDiscover):
        raise UsageError("This connection cannot reach Plex Discover (it was not opened for it).")
    discover = client.discover
    before = discover.stats.requests
    minutes = len(pending) * 2 / discover.pacer.per_second / 60  # about a lookup and a read per row, paced
    log(f"Looking up {len(pending)} row(s) not in your libraries on Plex Discover"
        + (f" (paced as Plex asks: about {minutes:.0f} min)" if minutes >= 1 else ""))
    planned = {c.item.rating_key for c in plan.changes}
    for done, index in enumerate(pending, 1):
        if done % PROGRESS_EVERY == 0:
            log(f"Plex Discover: {done}/{len(pending)} looked up")
        match = plan.matches[index]
        title, how = resolve(discover, match.row)
        if title is None:
            plan.matches[index] = dataclasses.replace(match, reason=f"{match.reason}; {how}")
            result.not_found += 1
            result.reasons[match.row.line] = how
            continue
        item = client.item(title)
        plan.matches[index] = Match(match.row, MATCHED, items=(item,), method=how)
        result.found += 1
        if item.rating_key not in planned:  # the same title twice in one file: the first row wins
            planned.add(item.rating_key)
            plan.changes.append(plan_change(match.row, item, plan.options))
    result.requests = discover.stats.requests - before
    log(f"Plex Discover: {result.found} found, {result.not_found} not found ({result.requests} requests)")
    return result


def discover_changes(plan: Plan) -> list[Change]:
    """The plan's changes on Discover (shown apart: they are not in any library)."""
    return [c for c in plan.changes if on_discover(c.item)]


def discover_summary(plan: Plan) -> str | None:
    """`On Plex Discover (not in your libraries): N` — the writes planned online; None when there are none."""
    writes = sum(1 for c in discover_changes(plan) if c.writes)
    return f"On Plex Discover (not in your libraries): {writes}" if writes else None
