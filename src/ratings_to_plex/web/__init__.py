"""The browser UI (`ratings-to-plex web`): the desktop app's flow for a NAS or any headless box, safe on a network.

A thin interface over the application layer (`ratings_to_plex.app`), like the CLI and the desktop app: every rule,
Plex call and journal access is the app session's; this package renders pages and turns form posts into app jobs.

    settings  how it is served (host, access token, upload cap, import folder) — checked before it starts
    guard     the one gate every request passes: host, access token, same origin + CSRF, security headers
    sessions  browser sessions kept on the server (the Plex token never reaches the page)
    uploads   streamed, capped uploads into a private folder; the import folder by opaque ids
    signin    the Plex PIN with its link shown in the page, polled by the server
    flow      one browser's state and the steps that change it (sign in, connect)
    jobs      preview, write, undo, resume as app jobs; one write per server
    household the Plex Home user picker (a user's own token; a failed switch connects nobody)
    backups   Export ratings… (downloads) and Restore from backup… (its preview and write are the usual ones)
    views     what the templates show; events: live progress (server-sent events)
    routes    the page and its form actions (routes_more: the user picker, export, restore)
    server    the Starlette app; serve: uvicorn on our own socket
"""

from __future__ import annotations

from .server import create_app
from .settings import WebSettings, build_settings

__all__ = ["WebSettings", "build_settings", "create_app"]
