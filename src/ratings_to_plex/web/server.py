"""The Starlette application: routes, templates, static files, all behind the `Guard` middleware.

`create_app(settings)` is what `ratings-to-plex web` serves and what the tests drive. State shared by every browser
session (the upload area, the import folder, the session store) lives on one `WebContext`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from .guard import Guard
from .sessions import COOKIE, BrowserSession, SessionStore
from .settings import WebSettings
from .uploads import ImportFolder, UploadArea

HERE = Path(__file__).parent


@dataclass
class WebContext:
    """Everything the routes share: settings, sessions, where uploads go, templates."""

    settings: WebSettings
    store: SessionStore
    uploads: UploadArea
    imports: ImportFolder | None
    templates: Environment
    stopping: threading.Event = field(default_factory=threading.Event)  # set on shutdown: live streams end

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        session = browser_session(request)
        flow_messages = pop_messages(session)
        html = self.templates.get_template(name).render(csrf=session.csrf, version=__version__,
                                                        messages=flow_messages, **values)
        return HTMLResponse(html, status, headers={"Cache-Control": "no-store"})


def browser_session(request: Request) -> BrowserSession:
    """The session the guard attached to this request."""
    session: BrowserSession = request.scope["state"]["session"]
    return session


def pop_messages(session: BrowserSession) -> list[tuple[str, str]]:
    """One-time messages (shown once after a redirect)."""
    with session.lock:
        messages, session.messages = session.messages, []
    return messages


def flash(session: BrowserSession, level: str, text: str) -> None:
    with session.lock:
        session.messages.append((level, text))


def ctx_of(request: Request) -> WebContext:
    context: WebContext = request.app.state.ctx
    return context


# -- the pages every deployment has -------------------------------------------------------------------------
async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def login_page(request: Request) -> Response:
    ctx = ctx_of(request)
    if ctx.settings.access_token is None or browser_session(request).authenticated:
        return RedirectResponse("/", 303)
    return ctx.render(request, "login.html")


async def login_submit(request: Request) -> Response:
    """Check the access token; on success a new session id (an id planted before login is worthless)."""
    import asyncio
    import hmac

    ctx = ctx_of(request)
    token = ctx.settings.access_token
    session = browser_session(request)
    form = await request.form()
    given = str(form.get("access_token") or "")
    if token is None:
        return RedirectResponse("/", 303)
    if not hmac.compare_digest(given.encode(), token.encode()):
        await asyncio.sleep(1.0)  # guessing costs time
        flash(session, "error", "That is not the access token this server was started with.")
        return RedirectResponse("/login", 303)
    fresh = ctx.store.rotate(session, authenticated=True)
    response = RedirectResponse("/", 303)
    response.set_cookie(COOKIE, fresh.id, httponly=True, samesite="strict", secure=ctx.settings.secure_cookies)
    return response


def stop_streams(app: Guard) -> None:
    """Tell the live progress streams to end, so a shutdown does not wait for open browser tabs."""
    context: WebContext = app.app.state.ctx  # type: ignore[attr-defined]
    context.stopping.set()


def create_app(settings: WebSettings, *, routes: list[Route] | None = None) -> Guard:
    """The web UI as an ASGI app (Starlette behind the guard)."""
    from ..app import AppSession, JobRunner
    from . import read_as
    from . import routes as flow_routes
    from . import routes_more as more_routes
    from .flow import Services, drop_flow

    uploads = UploadArea()
    store = SessionStore(on_drop=lambda s: drop_flow(s, uploads))
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                            trim_blocks=True, lstrip_blocks=True)
    imports = ImportFolder(settings.import_dir) if settings.import_dir is not None else None
    ctx = WebContext(settings, store, uploads, imports, templates)
    services = Services(AppSession.default(workers=settings.workers, verify=settings.verify_tls),
                        JobRunner(interface="web"), uploads, imports)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            services.runner.shutdown()  # a write in progress stops cleanly, journaled and resumable
            store.close()
            uploads.close()
            services.app.close()

    all_routes = [
        Route("/healthz", healthz),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        *flow_routes.ROUTES,
        *more_routes.ROUTES,
        *read_as.ROUTES,
        *(routes or []),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    starlette = Starlette(routes=all_routes, lifespan=lifespan)
    starlette.state.ctx = ctx
    starlette.state.services = services
    return Guard(starlette, settings, store)
