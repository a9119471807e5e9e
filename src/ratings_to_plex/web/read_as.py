"""The file step's "Read the file as" menu: a format chosen by hand for when detection guesses wrong.

The choice is kept for this browser and applies to the next upload or pick too; changing it re-reads the current
file at once, so the detected line and any later preview use it. A file that does not fit the chosen format is
refused with the readers' one-line message (file, line, problem) and the previous reading is dropped, so nothing
is previewed from a reading the person just said was wrong.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.routing import Route

from ..app import SOURCE_FORMATS
from ..errors import RatingsToPlexError, UsageError
from .flow import Flow, Services
from .routes import _in_thread, action

NAMES: Final = frozenset(name for name, _ in SOURCE_FORMATS)


def read_as(flow: Flow, services: Services, name: str) -> None:
    """Keep the chosen format ("" = detect) and read the current file with it."""
    if name and name not in NAMES:
        raise UsageError(f"Unknown format {name!r}: choose one from the menu.")
    chosen = name or None
    with flow.lock:
        if flow.busy():
            raise UsageError("Wait for the running job to finish (or cancel it) first.")
        flow.source_format, stored = chosen, flow.file
    if stored is None:
        return
    try:
        source = services.app.read([stored.path], format=chosen)[0]
    except RatingsToPlexError:
        with flow.lock:
            flow.source, flow.plan, flow.summary = None, None, None
        raise
    with flow.lock:
        flow.source, flow.plan, flow.summary = source, None, None


@action("#source")
async def choose_format(request: Request, flow: Flow, services: Services) -> None:
    form = await request.form()
    await _in_thread(read_as, flow, services, str(form.get("format") or ""))


ROUTES = [Route("/read-as", choose_format, methods=["POST"])]
