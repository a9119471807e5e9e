"""plex.tv's Plex Home endpoints: who is in the household, and switching to one of them (PLEX_PROTOCOL.md §8).

Both generations are served because both are used: python-plexapi's `MyPlexAccount.users()` reads
`/api/users/` and `switchHomeUser()` posts to the v1 `/api/home/users/{id}/switch` (reading `authenticationToken`),
while Plex's own apps and our client use v2 (`/api/v2/home/users`, `POST …/{uuid}/switch` → the user's account
with `authToken`). v2 answers JSON when asked for it (`Accept: application/json`), XML otherwise, like plex.tv.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from .context import Context, Request, Response
from .plextv import account_xml
from .pms import not_found
from .render import XML_HEAD, element
from .users import Person, Role, caller, owner


def _xml(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, (XML_HEAD + body).encode("utf-8"), headers=headers or {})


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json", headers or {})


def _wants_json(req: Request) -> bool:
    return "application/json" in req.header("Accept")


def _members(ctx: Context, who: Person) -> list[Person]:
    """The Home `who` belongs to: the owner and the managed users, or just a friend on their own."""
    if not who.home:
        return [who]
    return [owner(ctx), *(p for p in ctx.users.people if p.role is Role.MANAGED)]


def _member_fields(p: Person) -> dict[str, object]:
    return {"id": p.id, "uuid": p.uuid, "title": p.title, "username": p.username, "email": p.email,
            "friendlyName": p.title, "thumb": f"https://plex.tv/users/{p.uuid}/avatar", "hasPassword":
            p.role is not Role.MANAGED, "restricted": p.role is Role.MANAGED, "updatedAt": 1_700_000_000,
            "restrictionProfile": "older_kid" if p.role is Role.MANAGED else "",
            "admin": p.role is Role.OWNER, "guest": False, "protected": p.protected}


def _xml_pairs(fields: dict[str, object]) -> list[tuple[str, object]]:
    return [(k, int(v) if isinstance(v, bool) else v) for k, v in fields.items()]


def home_users_v2(ctx: Context, req: Request) -> Response:
    who = caller(ctx, req)
    if who is None:
        return not_found("user")
    members = _members(ctx, who)
    head = members[0]
    if _wants_json(req):
        return _json({"id": head.id, "name": f"{head.title}'s home", "guestUserID": None, "guestUserUUID": None,
                      "guestEnabled": False, "subscription": False,
                      "users": [_member_fields(p) for p in members]})
    users = "".join(element("user", _xml_pairs(_member_fields(p))) for p in members)
    return _xml(element("home", [("id", head.id), ("name", f"{head.title}'s home"), ("guestUserID", ""),
                                 ("guestUserUUID", ""), ("guestEnabled", 0), ("subscription", 0)],
                        f"<users>{users}</users>"))


def home_users_v1(ctx: Context, req: Request) -> Response:
    who = caller(ctx, req)
    if who is None:
        return not_found("user")
    members = _members(ctx, who)
    users = "".join(element("User", [(k, v) for k, v in _xml_pairs(_member_fields(p)) if k != "updatedAt"])
                    for p in members)
    return _xml(element("MediaContainer", [("friendlyName", "myPlex"), ("identifier", "com.plexapp.plugins.myplex"),
                                           ("machineIdentifier", ""), ("totalSize", len(members)),
                                           ("size", len(members))], users))


def users_v1(ctx: Context, req: Request) -> Response:
    """`/api/users/` (plexapi's `users()`): the owner's managed users and friends, with the server shared."""
    who = caller(ctx, req)
    if who is None:
        return not_found("user")
    people = ctx.users.people if who.role is Role.OWNER else []
    rows = []
    for p in people:
        share = element("Server", [("id", 900_000 + p.id), ("serverId", 1), ("machineIdentifier", ctx.machine_id),
                                   ("name", ctx.server_name), ("lastSeenAt", 1_700_000_000), ("numLibraries", 2),
                                   ("allLibraries", 1), ("owned", 1), ("pending", 0)])
        rows.append(element("User", [
            ("id", p.id), ("title", p.title), ("username", p.username), ("email", p.email),
            ("recommendationsPlaylistId", ""), ("thumb", ""), ("protected", int(p.protected)),
            ("home", int(p.home)), ("allowTuners", 0), ("allowSync", 1), ("allowCameraUpload", 0),
            ("allowChannels", 0), ("allowSubtitleAdmin", 0), ("filterAll", ""), ("filterMovies", ""),
            ("filterMusic", ""), ("filterPhotos", ""), ("filterTelevision", ""),
            ("restricted", int(p.role is Role.MANAGED)),
        ], share))
    return _xml(element("MediaContainer", [("friendlyName", "myPlex"), ("identifier", "com.plexapp.plugins.myplex"),
                                           ("machineIdentifier", ""), ("totalSize", len(rows)),
                                           ("size", len(rows))], "".join(rows)))


def _pin(req: Request) -> str:
    """The PIN from the query string or a form body (clients send either)."""
    pin = req.query.get("pin")
    if pin is None and req.body:
        pin = dict(parse_qsl(req.body.decode("utf-8", "replace"))).get("pin")
    return pin or ""


def _switch_target(ctx: Context, req: Request, ref: str) -> Person | Response:
    """The member to switch to, or the refusal plex.tv would answer (429, 404, PIN)."""
    who = caller(ctx, req)
    if who is None:
        return not_found("user")
    wait = ctx.users.switch_wait()
    if wait > 0:
        return Response(429, b'{"errors":[{"code":1003,"message":"Too many requests"}]}', "application/json",
                        {"Retry-After": f"{wait:g}"})
    target = next((p for p in _members(ctx, who) if ref in (str(p.id), p.uuid)), None)
    if target is None:
        return not_found("home user")
    if target.protected and _pin(req) != target.pin:
        status, message = (403, "Invalid PIN") if req.path.startswith("/api/v2/") else (401, "Incorrect PIN")
        if _wants_json(req):
            return _json({"errors": [{"code": 1041, "message": message, "status": status}]}, status)
        return _xml(element("Response", [("code", status), ("status", message)]), status)
    return target


def switch_v2(ctx: Context, req: Request, uuid: str) -> Response:
    target = _switch_target(ctx, req, uuid)
    if isinstance(target, Response):
        return target
    if _wants_json(req):
        fields = _member_fields(target)
        fields.update(authToken=target.account_token, home=True, homeAdmin=target.role is Role.OWNER)
        return _json(fields, 201)
    return _xml(account_xml(ctx, target), 201)


def switch_v1(ctx: Context, req: Request, id: str) -> Response:
    target = _switch_target(ctx, req, id)
    if isinstance(target, Response):
        return target
    return _xml(account_xml(ctx, target, extra=[("authenticationToken", target.account_token)]), 201)


# -- emulator controls -----------------------------------------------------------------------------------------
def list_people(ctx: Context, req: Request) -> Response:
    """`GET /emulator/users`: everybody with their tokens, for checks that drive a subprocess emulator."""
    return _json([{"id": p.id, "uuid": p.uuid, "title": p.title, "role": p.role.value, "pin": p.pin,
                   "account_token": p.account_token, "server_token": p.server_token}
                  for p in [owner(ctx), *ctx.users.people]])


def set_switch_limit(ctx: Context, req: Request) -> Response:
    """`POST /emulator/users?switch_limit=0&retry_after=0.1`: make plex.tv refuse (or allow) profile switches."""
    household = ctx.users
    try:
        if "switch_limit" in req.query:
            household.switch_limit = int(req.query["switch_limit"])
        if "retry_after" in req.query:
            household.retry_after_s = float(req.query["retry_after"])
        if "switch_window" in req.query:
            household.switch_window_s = float(req.query["switch_window"])
    except ValueError:
        return _json({"error": "switch_limit, retry_after and switch_window must be numbers"}, 400)
    return _json({"switch_limit": household.switch_limit, "retry_after": household.retry_after_s,
                  "switch_window": household.switch_window_s})
