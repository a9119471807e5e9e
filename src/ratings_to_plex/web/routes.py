"""The page and its actions. Every action is a plain form POST that answers with a redirect back to the page
(post/redirect/get), so the UI works without JavaScript and a reload never repeats a write. Blocking steps run in
Starlette's thread pool; the guard has already checked access, origin and CSRF before any of these runs.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..app import SOURCE_FORMATS
from ..app.advice import worded
from ..errors import RatingsToPlexError
from . import flow as steps
from . import jobs
from .events import events
from .flow import TYPE_LABELS, Choices, Flow, Services, flow_of
from .household import choose_server_as_before
from .server import browser_session, ctx_of, flash
from .settings import size_text, too_large_message
from .uploads import UploadTooLarge, receive_upload
from .views import detected_text, page_context

Handler = Callable[[Request], Awaitable[Response]]


def services_of(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def _flow(request: Request) -> Flow:
    return flow_of(browser_session(request))


def action(anchor: str = "") -> Callable[[Callable[[Request, Flow, Services], Awaitable[None]]], Handler]:
    """A POST step: run it, show its error (a sentence from the app) as a message, go back to the page."""

    def wrap(step: Callable[[Request, Flow, Services], Awaitable[None]]) -> Handler:
        @functools.wraps(step)
        async def handler(request: Request) -> Response:
            try:
                await step(request, _flow(request), services_of(request))
            except RatingsToPlexError as exc:
                flash(browser_session(request), "error", worded(exc, "web"))
            return RedirectResponse("/" + anchor, 303)

        return handler

    return wrap


def _in_thread(func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    return run_in_threadpool(func, *args)


async def index(request: Request) -> Response:
    flow, services = _flow(request), services_of(request)
    await _in_thread(steps.start, flow, services)
    steps.offer_pin(flow, services)
    context = await _in_thread(page_context, flow, services, dict(request.query_params))
    session = browser_session(request)
    for level, text in [*context.pop("collected"), *_pop(flow)]:
        flash(session, level, text)
    ctx = ctx_of(request)
    return ctx.render(request, "index.html", upload_limit=size_text(ctx.settings.max_upload_bytes),
                      upload_limit_bytes=ctx.settings.max_upload_bytes, source_formats=SOURCE_FORMATS,
                      source_format=flow.source_format, **context)


def _pop(flow: Flow) -> list[tuple[str, str]]:
    with flow.lock:
        messages, flow.messages = flow.messages, []
    return messages


@action("#plex")
async def signin_pin(request: Request, flow: Flow, services: Services) -> None:
    await _in_thread(steps.begin_pin, flow, services)


async def signin_status(request: Request) -> Response:
    pin = _flow(request).pin
    if pin is None:
        return JSONResponse({"state": "none"})
    return JSONResponse({"state": pin.state.value, "seconds_left": pin.seconds_left, "has_link": pin.url is not None})


@action("#plex")
async def signin_cancel(request: Request, flow: Flow, services: Services) -> None:
    steps.cancel_pin(flow)


@action("#plex")
async def signin_token(request: Request, flow: Flow, services: Services) -> None:
    form = await request.form()
    url, token = str(form.get("url") or "").strip(), str(form.get("token") or "").strip()
    await _in_thread(steps.connect_url, flow, services, url, token)


@action()
async def signout(request: Request, flow: Flow, services: Services) -> None:
    await _in_thread(steps.sign_out, flow)


@action("#plex")
async def server(request: Request, flow: Flow, services: Services) -> None:
    form = await request.form()
    await _in_thread(choose_server_as_before, flow, services, str(form.get("server") or ""))


async def upload(request: Request) -> Response:
    """Stream the upload to the private folder (capped), then read it; too big → 413 with the reason. The page's
    script asks for JSON (and stays on the page); a plain form gets a redirect back."""
    ctx, flow, services = ctx_of(request), _flow(request), services_of(request)
    limit = ctx.settings.max_upload_bytes
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        declared = int(request.headers.get("content-length", "0") or 0)
        if declared > limit + 64 * 1024:
            raise UploadTooLarge(too_large_message(limit))
        stored = await receive_upload(request.stream(), request.headers.get("content-type", ""), services.uploads,
                                      limit)
        await _in_thread(jobs.use_file, flow, services, stored)
    except RatingsToPlexError as exc:
        status = 413 if isinstance(exc, UploadTooLarge) else 400
        if wants_json:
            return JSONResponse({"error": worded(exc, "web")}, status)
        if "text/html" not in request.headers.get("accept", ""):
            return PlainTextResponse(worded(exc, "web"), status)
        flash(browser_session(request), "error", worded(exc, "web"))
        return RedirectResponse("/#source", 303)
    if wants_json:
        return JSONResponse({"detected": detected_text(flow)})
    return RedirectResponse("/#source", 303)


@action("#source")
async def pick(request: Request, flow: Flow, services: Services) -> None:
    from ..errors import UsageError

    if services.imports is None:
        raise UsageError("No import folder is configured (RATINGS_TO_PLEX_IMPORT_DIR).")
    form = await request.form()
    stored = services.imports.resolve(str(form.get("file_id") or ""))
    await _in_thread(jobs.use_file, flow, services, stored)


@action("#run")
async def preview(request: Request, flow: Flow, services: Services) -> None:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("library")]
    types = {str(v) for v in form.getlist("type")}
    choices = Choices(libraries=tuple(k for k in chosen if k != "*"), all_libraries="*" in chosen,
                      types={label: label in types for label in TYPE_LABELS},
                      policy=str(form.get("policy") or "overwrite"), force=bool(form.get("force")),
                      mark_watched=bool(form.get("mark_watched")), discover=bool(form.get("discover")))
    await _in_thread(jobs.start_preview, flow, services, choices)


@action("#run")
async def write(request: Request, flow: Flow, services: Services) -> None:
    await _in_thread(jobs.start_write, flow, services)


@action("#run")
async def dry_run(request: Request, flow: Flow, services: Services) -> None:
    await _in_thread(functools.partial(jobs.start_write, flow, services, dry_run=True))


@action("#run")
async def cancel(request: Request, flow: Flow, services: Services) -> None:
    jobs.cancel(flow, services, request.path_params["job_id"])


@action("#run")
async def undo(request: Request, flow: Flow, services: Services) -> None:
    await _in_thread(jobs.start_undo, flow, services, request.path_params["run_id"])


@action("#run")
async def resume(request: Request, flow: Flow, services: Services) -> None:
    await _in_thread(jobs.start_resume, flow, services, request.path_params["run_id"])


@action("#history")
async def journal_aside(request: Request, flow: Flow, services: Services) -> None:
    """Rename a damaged journal (it is kept) so a new one starts — the desktop's and CLI's same way out."""
    aside = await _in_thread(services.app.move_journal_aside)
    flash(browser_session(request), "ok", f"The damaged journal was moved aside to {aside}; a new one has started.")


async def report_file(request: Request) -> Response:
    """The unmatched CSV or the run log of this browser's last run (paths the app made, never from the client)."""
    summary = _flow(request).summary
    run_id, which = request.path_params["run_id"], request.path_params["which"]
    if summary is None or summary.run_id != run_id:
        return PlainTextResponse("That run's reports are not available in this browser session.", 404)
    path = summary.unmatched_csv if which == "unmatched.csv" else summary.run_log if which == "log" else None
    if path is None or not path.is_file():
        return PlainTextResponse("This run has no such report.", 404)
    media = "text/csv" if which == "unmatched.csv" else "text/plain"
    return FileResponse(path, media_type=f"{media}; charset=utf-8", filename=path.name)


ROUTES = [
    Route("/", index, methods=["GET"]),
    Route("/signin/pin", signin_pin, methods=["POST"]),
    Route("/signin/status", signin_status, methods=["GET"]),
    Route("/signin/cancel", signin_cancel, methods=["POST"]),
    Route("/signin/token", signin_token, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/server", server, methods=["POST"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/pick", pick, methods=["POST"]),
    Route("/preview", preview, methods=["POST"]),
    Route("/write", write, methods=["POST"]),
    Route("/dry-run", dry_run, methods=["POST"]),
    Route("/jobs/{job_id}/cancel", cancel, methods=["POST"]),
    Route("/undo/{run_id:int}", undo, methods=["POST"]),
    Route("/resume/{run_id:int}", resume, methods=["POST"]),
    Route("/journal/aside", journal_aside, methods=["POST"]),
    Route("/events", events, methods=["GET"]),
    Route("/runs/{run_id:int}/{which}", report_file, methods=["GET"]),
]
