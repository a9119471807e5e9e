"""plex.tv endpoints served on the same host:port: account, resources, PIN login, plus emulator controls.

The account XML satisfies plexapi's fragile parsing (PLEX_PROTOCOL.md §1.3): a `scrobbleTypes` attribute,
`<subscription>` and `<profile>` children and 0/1 booleans; anything less crashes `MyPlexAccount`.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from .context import Context, Pin, Request, Response
from .pms import not_found
from .render import XML_HEAD, element
from .users import OWNER_ID, OWNER_NAME, Person, Role, caller, owner


def _xml(body: str, status: int = 200) -> Response:
    return Response(status, (XML_HEAD + body).encode("utf-8"))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def account_xml(ctx: Context, person: Person, *, extra: list[tuple[str, object]] | None = None) -> str:
    """The `<user>` element of plex.tv's account call for `person` (`authToken` = their account token)."""
    household = ctx.users.people
    home_size = 1 + sum(1 for p in household if p.role is Role.MANAGED) if person.home else 1
    pairs: list[tuple[str, object]] = [
        ("id", person.id), ("uuid", person.uuid), ("username", person.username), ("title", person.title),
        ("email", person.email), ("friendlyName", person.title.capitalize()), ("locale", ""), ("confirmed", 1),
        ("joinedAt", 1_600_000_000), ("emailOnlyAuth", 0), ("hasPassword", int(person.role is not Role.MANAGED)),
        ("protected", int(person.protected)), ("thumb", ""),
        ("authToken", person.account_token), ("mailingListStatus", "active"), ("mailingListActive", 1),
        ("scrobbleTypes", ""), ("country", "US"), ("subscriptionDescription", ""),
        ("restricted", int(person.role is Role.MANAGED)), ("anonymous", ""), ("home", int(home_size > 1)),
        ("guest", 0), ("homeSize", home_size), ("homeAdmin", int(person.role is not Role.MANAGED)),
        ("maxHomeSize", 15), ("rememberExpiresAt", 1_900_000_000), ("adsConsent", ""), ("adsConsentSetAt", ""),
        ("adsConsentReminderAt", ""), ("experimentalFeatures", 0), ("twoFactorEnabled", 0),
        ("backupCodesCreated", 0), *(extra or []),
    ]
    children = (
        '<subscription active="0" subscribedAt="" status="Inactive" paymentService="" plan=""><features/>'
        '</subscription><profile autoSelectAudio="1" defaultAudioLanguage="en" defaultSubtitleLanguage="en"'
        ' autoSelectSubtitle="0" defaultSubtitleAccessibility="0" defaultSubtitleForces="0"/>'
        "<entitlements/><roles/><services/>"
    )
    return element("user", pairs, children)


def user(ctx: Context, req: Request) -> Response:
    """The account of whoever's plex.tv token the request carries (the owner, a switched-to user, a friend)."""
    person = caller(ctx, req) or (owner(ctx) if req.path.endswith("/signin") else None)
    if person is None:
        return not_found("user")
    status = 201 if req.method == "POST" else 200
    if "application/json" in req.header("Accept"):  # plex.tv's v2 answers JSON when asked
        return _json({"id": person.id, "uuid": person.uuid, "username": person.username, "title": person.title,
                      "email": person.email, "authToken": person.account_token, "home": person.home,
                      "restricted": person.role is Role.MANAGED, "protected": person.protected}, status)
    return _xml(account_xml(ctx, person), status)


def _resource(ctx: Context, name: str, *, owned: bool, provides: str, client_id: str, local: bool,
              access_token: str | None = None, home: bool = False, owner: tuple[object, str] = (2002, "friend"),
              ) -> str:
    port = ctx.port
    conn = element("connection", [("protocol", "http"), ("address", "127.0.0.1"), ("port", port),
                                  ("uri", ctx.base_url), ("local", int(local)), ("relay", 0), ("IPv6", 0)])
    return element("resource", [
        ("name", name), ("product", "Plex Media Server" if "server" in provides else "Plex for Linux"),
        ("productVersion", "1.41.3.9314"), ("platform", "Linux"), ("platformVersion", "6.8"), ("device", "PC"),
        ("clientIdentifier", client_id), ("createdAt", "2024-01-01T00:00:00Z"),
        ("lastSeenAt", _iso(time.time())), ("provides", provides), ("ownerId", "" if owned else owner[0]),
        ("sourceTitle", "" if owned else owner[1]), ("publicAddress", "127.0.0.1"),
        ("accessToken", ctx.token or "" if access_token is None else access_token), ("owned", int(owned)),
        ("home", int(home)), ("synced", 0), ("relay", 0),
        ("presence", 1), ("httpsRequired", 0), ("publicAddressMatches", 1), ("dnsRebindingProtection", 0),
        ("natLoopbackSupported", 0),
    ], f"<connections>{conn}</connections>")


def resources(ctx: Context, req: Request) -> Response:
    """The owner sees their server (a local http connection to ourselves), plus optional shared servers and a
    player; anybody else sees the owner's server as shared with them, with their own accessToken."""
    person = caller(ctx, req)
    if person is not None and person.role is not Role.OWNER:
        part = _resource(ctx, ctx.server_name, owned=False, provides="server", client_id=ctx.machine_id,
                         local=False, access_token=person.server_token, home=person.home,
                         owner=(OWNER_ID, OWNER_NAME))
        return _xml(f'<resources size="1">{part}</resources>')
    parts = [_resource(ctx, ctx.server_name, owned=True, provides="server", client_id=ctx.machine_id, local=True)]
    for n in range(ctx.extra_resources):
        parts.append(_resource(ctx, f"Friend's Server {n + 1}", owned=False, provides="server",
                               client_id=f"{ctx.machine_id[:-4]}{n:04d}", local=False))
    if ctx.extra_resources:
        parts.append(_resource(ctx, "Living Room TV", owned=True, provides="client,player",
                               client_id="player-0001", local=True))
    return _xml(f'<resources size="{len(parts)}">{"".join(parts)}</resources>')


def _pin_xml(pin: Pin) -> str:
    return element("pin", [
        ("id", pin.id), ("code", pin.code), ("product", "PlexAPI"), ("trusted", 0),
        ("clientIdentifier", pin.client_id), ("expiresIn", pin.expires_in), ("createdAt", _iso(pin.created_at)),
        ("expiresAt", _iso(pin.created_at + pin.expires_in)), ("authToken", pin.auth_token),
        ("newRegistration", ""),
    ])


def create_pin(ctx: Context, req: Request) -> Response:
    pin = ctx.create_pin(req.header("X-Plex-Client-Identifier"))
    return _xml(_pin_xml(pin), 201)


def get_pin(ctx: Context, req: Request, id: str) -> Response:
    pin = ctx.get_pin(int(id)) if id.isdigit() else None
    if pin is None:  # plexapi treats any error while polling as "expired"
        return not_found("pin")
    return _xml(_pin_xml(pin))


# -- emulator controls (not Plex endpoints; neither counted nor faulted) ---------------------------------------
def _json(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode(), "application/json")


def approve_pin(ctx: Context, req: Request, id: str) -> Response:
    if not (id.isdigit() and ctx.approve_pin(int(id))):
        return not_found("pin")
    return _json({"approved": int(id)})


def approve_all(ctx: Context, req: Request) -> Response:
    return _json({"approved": ctx.approve_all()})


def state(ctx: Context, req: Request) -> Response:
    """Every item's user state as JSON, for checks against a subprocess emulator."""
    who = req.query.get("user")
    if who:
        person = ctx.users.by_ref(who)
        if person is None:
            return not_found("user")
        mine = ctx.users.state_of(person, ctx.library)
        return _json({str(k): {"user_rating": r, "view_count": v} for k, (r, v) in mine.items()})
    snap = ctx.library.state()
    return _json({str(k): {"user_rating": s.user_rating, "view_count": s.view_count,
                           "last_rated_at": s.last_rated_at} for k, s in snap.items()})


def counters(ctx: Context, req: Request) -> Response:
    return _json({"requests": ctx.counters.snapshot(), "faults": ctx.counters.faults(),
                  "reads": ctx.counters.reads(), "writes": ctx.counters.writes()})


def reset_counters(ctx: Context, req: Request) -> Response:
    ctx.counters.reset()
    return _json({"reset": True})


_FAULT_FIELDS = {"rate_500", "rate_503", "rate_429", "retry_after", "rate_slow", "slow_seconds", "rate_reset",
                 "latency_ms"}


def set_faults(ctx: Context, req: Request) -> Response:
    """`POST /emulator/faults?rate_500=0.5&only_paths=/:/rate`: change fault knobs on a running emulator."""
    for key, value in req.query.items():
        if key in _FAULT_FIELDS:
            try:
                setattr(ctx.faults, key, float(value))
            except ValueError:
                return _json({"error": f"{key} must be a number"}, 400)
        elif key == "only_paths":
            ctx.faults.only_paths = tuple(p for p in value.split(",") if p) or None
    return _json({k: getattr(ctx.faults, k) for k in sorted(_FAULT_FIELDS)})

