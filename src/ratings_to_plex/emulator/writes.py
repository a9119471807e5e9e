"""Plex Media Server write endpoints: `/:/rate` (with `ratedAt`), `/:/scrobble`, `/:/unscrobble` and the
metadata-edit path `PUT /library/sections/{id}/all?userRating.value=`."""

from __future__ import annotations

import math
import time

from .context import Context, Request, Response
from .library import Item, Section
from .pms import bad_request, not_found


def _target(ctx: Context, req: Request) -> Item | Response:
    key = req.query.get("key", "")
    item = ctx.library.items.get(int(key)) if key.isdigit() else None
    return item if item is not None else not_found("item")


def _parse_rating(raw: str | None) -> float | Response | None:
    """The rating to store (None clears it), or a 400 response for a missing, non-numeric or off-scale value."""
    if raw is None:
        return bad_request("rating missing")
    try:
        value = float(raw)
    except ValueError:
        return bad_request("rating not a number")
    if value == -1:
        return None
    if not math.isfinite(value) or not 0 <= value <= 10:
        return bad_request("rating out of range")
    return value


def _set_rating(item: Item, value: float | None, rated_at: int | None = None) -> None:
    item.user_rating = value
    item.last_rated_at = None if value is None else (rated_at or int(time.time()))


def rate(ctx: Context, req: Request) -> Response:
    item = _target(ctx, req)
    if isinstance(item, Response):
        return item
    value = _parse_rating(req.query.get("rating"))
    if isinstance(value, Response):
        return value
    rated_at = _parse_rated_at(req.query.get("ratedAt"))
    if isinstance(rated_at, Response):
        return rated_at
    with ctx.library.lock:
        _set_rating(item, value, rated_at)
    return Response()


def _parse_rated_at(raw: str | None) -> int | Response | None:
    """`ratedAt` (epoch seconds, optional): when the user rated the title; PMS refuses one in the future."""
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        return bad_request("ratedAt not a number")
    if value > time.time() + 60 or value < 0:
        return bad_request("ratedAt in the future")
    return value


def scrobble(ctx: Context, req: Request) -> Response:
    item = _target(ctx, req)
    if isinstance(item, Response):
        return item
    now = int(time.time())
    with ctx.library.lock:
        for leaf in ctx.library.leaves(item):
            leaf.view_count += 1
            leaf.last_viewed_at = now
        if item.type not in ("movie", "episode"):
            item.last_viewed_at = now
    return Response()


def unscrobble(ctx: Context, req: Request) -> Response:
    item = _target(ctx, req)
    if isinstance(item, Response):
        return item
    with ctx.library.lock:
        for leaf in ctx.library.leaves(item):
            leaf.view_count = 0
            leaf.last_viewed_at = None
        item.last_viewed_at = None
    return Response()


def section_edit(ctx: Context, req: Request, id: str) -> Response:
    """`editField('userRating', …)`: PUT /library/sections/{id}/all?id=&type=&userRating.value=."""
    section: Section | None = ctx.library.sections.get(int(id)) if id.isdigit() else None
    if section is None:
        return not_found("section")
    ids = [int(k) for k in req.query.get("id", "").split(",") if k.isdigit()]
    items = [ctx.library.items[k] for k in ids if k in ctx.library.items]
    if not items:
        return not_found("item")
    if "userRating.value" in req.query:
        value = _parse_rating(req.query["userRating.value"] or "-1")
        if isinstance(value, Response):
            return value
        with ctx.library.lock:
            for item in items:
                _set_rating(item, value)
    return Response()

