"""The one gate every request passes: host check, session cookie, access token, same-origin + CSRF, headers.

Written as plain ASGI middleware so that it also covers streamed responses (server-sent events) and so no route
can forget a check: a route only runs once the gate has let the request through.

- Without an access token the server listens on loopback only, and the Host header must name loopback too, so a
  web page elsewhere cannot reach it through DNS rebinding.
- With one, every path but `/healthz`, `/static/` and `/login` needs the session to be logged in or an
  `Authorization: Bearer <token>` header.
- A state-changing request must come from our own origin (Origin, else Referer) and carry the session's CSRF token
  (`X-CSRF-Token` header, a `csrf` field of a url-encoded form, or for multipart uploads a `csrf` query parameter).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers, QueryParams
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from .sessions import COOKIE, BrowserSession, SessionStore
from .settings import LOOPBACK_NAMES, WebSettings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS: Final = ("/healthz",)
OPEN_PREFIXES: Final = ("/static/",)
LOGIN_PATH: Final = "/login"
FORM_LIMIT: Final = 64 * 1024  # a url-encoded form of ours is far smaller; bigger ones are refused
CSP: Final = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
              "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS: Final = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def bearer_ok(headers: Headers, token: str | None) -> bool:
    """True when the request carries `Authorization: Bearer <the access token>` (compared in constant time)."""
    if token is None:
        return False
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


class Guard:
    """ASGI middleware in front of the whole web app (see the module docstring for the rules)."""

    def __init__(self, app: ASGIApp, settings: WebSettings, store: SessionStore) -> None:
        self.app, self.settings, self.store = app, settings, store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = Headers(scope=scope)
        if self.settings.access_token is None and _host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
            await PlainTextResponse("This server only answers on its loopback address.", 400)(scope, receive, send)
            return
        path: str = scope["path"]
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        session = self.store.get(cookie_parser(headers.get("cookie", "")).get(COOKIE))
        bearer = bearer_ok(headers, self.settings.access_token)
        open_server = self.settings.access_token is None
        if not (open_server or bearer or path == LOGIN_PATH or (session is not None and session.authenticated)):
            # Refused before any session is made: anonymous requests cannot crowd real sessions out.
            await _refuse_unauthenticated(scope, headers)(scope, receive, send)
            return
        if session is None:
            session = self.store.create(authenticated=open_server)
            send = with_session_cookie(send, session.id, self.settings.secure_cookies)
        scope.setdefault("state", {})["session"] = session
        scope["state"]["bearer"] = bearer
        if scope["method"] not in SAFE_METHODS:
            refusal, receive = await self._check_write(scope, headers, receive, session, bearer)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _check_write(self, scope: Scope, headers: Headers, receive: Receive, session: BrowserSession,
                           bearer: bool) -> tuple[Response | None, Receive]:
        """Same origin and CSRF for a state-changing request; returns (refusal or None, the body's receive)."""
        if not _same_origin(scope, headers):
            return PlainTextResponse("Refused: this request came from another site.", 403), receive
        if bearer:
            return None, receive  # a script with the access token: browsers never add this header on their own
        supplied = headers.get("x-csrf-token")
        content_type = headers.get("content-type", "")
        if supplied is None and content_type.startswith("multipart/form-data"):
            supplied = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("csrf")
        elif supplied is None and content_type.startswith("application/x-www-form-urlencoded"):
            body = await _read_body(receive, FORM_LIMIT)
            if body is None:
                return PlainTextResponse("Refused: the form is too large.", 413), receive
            supplied = next(iter(parse_qs(body.decode("latin-1")).get("csrf", [])), None)
            receive = _replay(body)
        if not supplied or not hmac.compare_digest(supplied.encode(), session.csrf.encode()):
            return PlainTextResponse("Refused: the page was out of date (missing or wrong CSRF token). "
                                     "Reload the page and try again.", 403), receive
        return None, receive


def _host_name(host: str) -> str:
    """The host part of a Host header, without the port ("[::1]:8765" → "[::1]")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(scope: Scope, headers: Headers) -> bool:
    """The Origin (else the Referer) names this very host — as the browser addressed it, or as a reverse proxy in
    front says it was addressed (X-Forwarded-Host: a cross-site form cannot set that header). A request with
    neither header is let through to the CSRF check."""
    hosts = {headers.get("host", "").lower()}
    hosts |= {h.strip().lower() for h in headers.get("x-forwarded-host", "").split(",") if h.strip()}
    origin = headers.get("origin")
    if origin is not None:
        return origin != "null" and urlsplit(origin).netloc.lower() in hosts
    referer = headers.get("referer")
    if referer is not None:
        return urlsplit(referer).netloc.lower() in hosts
    return True


def _refuse_unauthenticated(scope: Scope, headers: Headers) -> Response:
    """A page view goes to the login form; anything else gets a plain 401."""
    if scope["method"] == "GET" and "text/html" in headers.get("accept", ""):
        return RedirectResponse(LOGIN_PATH, 303)
    return PlainTextResponse("Access token required: log in at /login or send Authorization: Bearer.", 401,
                             headers={"WWW-Authenticate": "Bearer"})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
        await send(message)

    return wrapped


def with_session_cookie(send: Send, session_id: str, secure: bool) -> Send:
    """Set the session cookie (HttpOnly, SameSite=Strict) on the response this `send` starts."""
    cookie = f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]
        await send(message)

    return wrapped
