"""Plex Media Server endpoints: root, library listings with filters and paging, and metadata (writes: `writes.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .context import Context, Request, Response
from .library import TYPE_NAMES, Item, Library
from .render import (
    container,
    render_item,
    render_meta,
    render_section_directory,
    section_container_attrs,
)

VERSION = "1.41.3.9314-a0bfb8370"
#: `includeGuids=1` (the <Guid> children) exists from this version on (python-plexapi PR #831).
GUIDS_SINCE = (1, 24, 3)


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = version.split("-", 1)[0].split(".")
    return tuple(int(p) for p in parts[:3] if p.isdigit())


def not_found(what: str = "Not Found") -> Response:
    return Response(404, f"<html><head><title>Not Found</title></head><body><h1>404 {what}</h1></body></html>"
                    .encode(), "text/html")


def bad_request(why: str) -> Response:
    return Response(400, f"<html><head><title>Bad Request</title></head><body><h1>400 {why}</h1></body></html>"
                    .encode(), "text/html")


def root(ctx: Context, req: Request) -> Response:
    return Response(body=container([
        ("size", 0), ("allowSync", 1), ("friendlyName", ctx.server_name), ("machineIdentifier", ctx.machine_id),
        ("version", ctx.version), ("platform", "Linux"), ("platformVersion", "6.8"), ("myPlex", 1),
        ("myPlexSigninState", "ok"), ("myPlexUsername", "demo@example.com"), ("myPlexSubscription", 0),
        ("multiuser", 1), ("claimed", 1), ("transcoderActiveVideoSessions", 0), ("updatedAt", 1_735_689_600),
    ]))


def identity(ctx: Context, req: Request) -> Response:
    return Response(body=container([("size", 0), ("claimed", 1), ("machineIdentifier", ctx.machine_id),
                                    ("version", ctx.version)]))


def library_root(ctx: Context, req: Request) -> Response:
    children = ('<Directory key="sections" title="Library Sections"/><Directory key="recentlyAdded" '
                'title="Recently Added Content"/><Directory key="onDeck" title="On Deck"/>')
    return Response(body=container([("size", 3), ("allowSync", 0), ("identifier", "com.plexapp.plugins.library"),
                                    ("title1", "Plex Library")], children))


def sections(ctx: Context, req: Request) -> Response:
    secs = list(ctx.library.sections.values())
    return Response(body=container([("size", len(secs)), ("allowSync", 0), ("title1", "Plex Library")],
                                   "".join(render_section_directory(s) for s in secs)))


def _page(req: Request, total: int) -> tuple[int, int]:
    """(start, stop) from X-Plex-Container-Start/Size, given as query params or headers; no size = everything."""
    try:
        start = max(0, int(req.param("X-Plex-Container-Start") or 0))
    except ValueError:
        start = 0
    size_raw = req.param("X-Plex-Container-Size")
    try:
        size = total if size_raw is None else max(0, int(size_raw))
    except ValueError:
        size = total
    return start, min(total, start + size)


def _filters(req: Request, libtype: str) -> list[tuple[str, str, str]]:
    """(field, operator, value) filters from the query; `show.guid=` style prefixes must match the libtype."""
    out = []
    for raw_key, value in req.query.items():
        key, op = raw_key, "="
        if key.endswith("="):  # plexapi's exact-string operator arrives as `title%3D=value`
            key, op = key[:-1], "=="
        prefix, _, field = key.rpartition(".")
        if prefix and libtype and prefix != libtype:
            continue
        if field in ("guid", "title", "year", "id"):
            out.append((field, op, value))
    return out


def _matches(item: Item, filters: Iterable[tuple[str, str, str]], strict: bool) -> bool:
    for field, op, value in filters:
        if field == "guid":
            # Real PMS compares the item's own guid attribute only, never its <Guid> children (python-plexapi
            # PR #862); the lenient emulator also looks at the children.
            if value != item.guid if strict else value not in item.all_guids():
                return False
        elif field == "title":
            titles = (item.title, item.original_title or "", item.title_sort or "")
            wanted = value.casefold()
            if op == "==" and not any(t.casefold() == wanted for t in titles):
                return False
            if op == "=" and not any(wanted in t.casefold() for t in titles):
                return False
        elif field == "year":
            if str(item.year) not in value.split(","):
                return False
        elif field == "id" and str(item.rating_key) not in value.split(","):
            return False
    return True


def _select(lib: Library, keys: Sequence[int], filters: list[tuple[str, str, str]],
            in_scope: Callable[[Item], bool], strict: bool) -> list[Item]:
    """Items of `keys` passing every filter; a guid filter goes through the index instead of a scan."""
    guid_values = [v for f, _, v in filters if f == "guid"]
    if guid_values:
        candidates = [lib.items[k] for k in lib.guid_index().get(guid_values[0], ())]
        candidates = [i for i in candidates if in_scope(i)]
    else:
        candidates = [lib.items[k] for k in keys]
    if not filters:
        return candidates
    return [i for i in candidates if _matches(i, filters, strict)]


def _listing(ctx: Context, req: Request, items: list[Item], attrs: list[tuple[str, object]],
             *, with_section: bool, always_guids: bool = False, meta: str = "") -> Response:
    if ctx.strict and req.param("X-Plex-Container-Size") is None:
        # PMS ≥ 1.28 logs "Missing X-Plex-Container-Size header. This will fail with status code 400 in the
        # future", and users have met those 400s on section listings: the strict emulator is that future.
        return bad_request("Missing X-Plex-Container-Size header")
    start, stop = _page(req, len(items))
    guids = (always_guids or req.flag("includeGuids")) and _version_tuple(ctx.version) >= GUIDS_SINCE
    lib = ctx.library
    with lib.lock:
        body = "".join(render_item(lib, i, guids=guids, with_section=with_section) for i in items[start:stop])
    head = [("size", stop - start), ("totalSize", len(items)), ("offset", start), *attrs]
    return Response(body=container(head, meta + body))


def _libtype(req: Request, default: str) -> str | None:
    raw = req.query.get("type")
    if raw is None:
        return default
    try:
        return TYPE_NAMES.get(int(raw))
    except ValueError:
        return None


def section_all(ctx: Context, req: Request, id: str) -> Response:
    section = ctx.library.sections.get(int(id)) if id.isdigit() else None
    if section is None:
        return not_found("section")
    libtype = _libtype(req, section.type)
    if libtype is None:
        return bad_request("unknown type")
    keys = section.keys_by_type.get(libtype, [])
    items = _select(ctx.library, keys, _filters(req, libtype),
                    lambda i: i.section_id == section.key and i.type == libtype, ctx.strict)
    meta = render_meta(section) if req.flag("includeMeta") else ""
    return _listing(ctx, req, items, [*section_container_attrs(section), ("title2", f"All {libtype.title()}s")],
                    with_section=False, meta=meta)


def section_collections(ctx: Context, req: Request, id: str) -> Response:
    section = ctx.library.sections.get(int(id)) if id.isdigit() else None
    if section is None:
        return not_found("section")
    return Response(body=container([("size", 0), ("totalSize", 0), ("offset", 0),
                                    *section_container_attrs(section)]))


def library_all(ctx: Context, req: Request) -> Response:
    """Cross-section search (`library.search(guid=…)`); items carry their own librarySectionID."""
    lib = ctx.library
    libtype = _libtype(req, "")
    if libtype is None:
        return bad_request("unknown type")
    keys: list[int] = []
    for section in lib.sections.values():
        for t, ks in section.keys_by_type.items():
            if not libtype or t == libtype:
                keys.extend(ks)
    items = _select(lib, keys, _filters(req, libtype or ""), lambda i: not libtype or i.type == libtype,
                    ctx.strict)
    return _listing(ctx, req, items, [("allowSync", 0), ("identifier", "com.plexapp.plugins.library")],
                    with_section=True)


def metadata(ctx: Context, req: Request, rk: str) -> Response:
    """One or more items (comma-separated keys); full metadata always carries Guid children.

    Real PMS answers 404 for the whole request when any one key is unknown (a deleted or trashed item); the lenient
    emulator leaves unknown keys out. A list of keys is a listing (paging headers); one key is not (plexapi's
    reload sends none).
    """
    lib = ctx.library
    keys = rk.split(",")
    items = [lib.items[int(k)] for k in keys if k.isdigit() and int(k) in lib.items]
    if not items or (ctx.strict and len(items) < len(keys)):
        return not_found("item")
    section = lib.sections[items[0].section_id]
    if len(keys) == 1 and req.param("X-Plex-Container-Size") is None:
        req = Request(req.method, req.path, {**req.query, "X-Plex-Container-Size": "1"}, req.headers, req.body)
    return _listing(ctx, req, items, [*section_container_attrs(section)], with_section=True, always_guids=True)


def children(ctx: Context, req: Request, rk: str, leaves: bool = False) -> Response:
    lib = ctx.library
    parent = lib.items.get(int(rk)) if rk.isdigit() else None
    if parent is None:
        return not_found("item")
    if leaves:
        items = [i for i in lib.leaves(parent) if i is not parent]
    else:
        items = [lib.items[k] for k in parent.children or ()]
    section = lib.sections[parent.section_id]
    attrs: list[tuple[str, object]] = [*section_container_attrs(section), ("key", parent.rating_key),
                                       ("parentRatingKey", parent.rating_key), ("parentTitle", parent.title)]
    return _listing(ctx, req, items, attrs, with_section=True)


def all_leaves(ctx: Context, req: Request, rk: str) -> Response:
    return children(ctx, req, rk, leaves=True)
