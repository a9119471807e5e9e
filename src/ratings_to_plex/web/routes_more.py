"""The form actions of the newer screens: the Plex Home user picker, Export ratings… (and its downloads) and
Restore from backup…. Same shape as `routes`: a POST step answers with a redirect back to the page (its error shown
as a message); the guard has checked access, origin and CSRF before any of these runs.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..app.advice import worded
from ..errors import RatingsToPlexError
from .backups import export, start_restore_preview, use_backup
from .flow import Flow, Services
from .household import choose_user
from .routes import _flow, _in_thread, action, services_of
from .server import browser_session, ctx_of, flash
from .settings import too_large_message
from .uploads import UploadTooLarge, receive_upload


@action("#plex")
async def user(request: Request, flow: Flow, services: Services) -> None:
    form = await request.form()
    await _in_thread(choose_user, flow, services, str(form.get("user") or ""), str(form.get("pin") or ""))


@action("#out")
async def export_action(request: Request, flow: Flow, services: Services) -> None:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("library")]
    done = await _in_thread(export, flow, services, tuple(k for k in chosen if k != "*"), "*" in chosen,
                            str(form.get("format") or ""), bool(form.get("watched")))
    flash(browser_session(request), "ok", f"Exported {done.items:,} item{'' if done.items == 1 else 's'} "
                                          f"in {len(done.files)} file{'' if len(done.files) == 1 else 's'}.")


async def export_file(request: Request) -> Response:
    """One file of this browser's last export (`/exports/N`, 1-based) or the zip of all parts (`/exports/zip`)."""
    exported = _flow(request).exported
    which = request.path_params["which"]
    path: Path | None = None
    if exported is not None:
        if which == "zip":
            path = exported.archive
        elif which.isdigit() and 1 <= int(which) <= len(exported.files):
            path = exported.files[int(which) - 1]
    if path is None or not path.is_file():
        return PlainTextResponse("That export is not available in this browser session: export again.", 404)
    media = {".json": "application/json", ".zip": "application/zip"}.get(path.suffix, "text/csv; charset=utf-8")
    return FileResponse(path, media_type=media, filename=path.name)


async def restore_upload(request: Request) -> Response:
    """Stream the backup into the private folder (capped like every upload), then read it."""
    ctx, flow, services = ctx_of(request), _flow(request), services_of(request)
    limit = ctx.settings.max_upload_bytes
    try:
        if int(request.headers.get("content-length", "0") or 0) > limit + 64 * 1024:
            raise UploadTooLarge(too_large_message(limit))
        stored = await receive_upload(request.stream(), request.headers.get("content-type", ""), services.uploads,
                                      limit, field="backup")
        await _in_thread(use_backup, flow, services, stored)
    except RatingsToPlexError as exc:
        if "text/html" not in request.headers.get("accept", ""):
            return PlainTextResponse(worded(exc, "web"), 413 if isinstance(exc, UploadTooLarge) else 400)
        flash(browser_session(request), "error", worded(exc, "web"))
    return RedirectResponse("/#out", 303)


@action("#run")
async def restore_preview(request: Request, flow: Flow, services: Services) -> None:
    await _in_thread(start_restore_preview, flow, services)


ROUTES = [
    Route("/user", user, methods=["POST"]),
    Route("/export", export_action, methods=["POST"]),
    Route("/exports/{which}", export_file, methods=["GET"]),
    Route("/restore/upload", restore_upload, methods=["POST"]),
    Route("/restore/preview", restore_preview, methods=["POST"]),
]
