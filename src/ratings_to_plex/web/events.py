"""Live progress for the page: a server-sent event stream per tab, fed from the application job's own events.

Each tab follows the job its page shows, or the next write that starts on the same server (from any tab or
browser): `progress` events while it runs (when something changed), then one `end` — also for a job that ended
before the stream opened (the page decides whether that is news). The stream only polls the
job's event list, so an idle tab holds no thread.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Final

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..app import Job
from .flow import Flow, flow_of
from .jobs import followed_job
from .server import browser_session
from .views import progress_text

POLL_S: Final = 0.25
KEEPALIVE_S: Final = 15.0
MAX_STREAM_S: Final = 3600.0  # the browser reconnects by itself; no stream lives forever


def _sse(event: str, data: dict[str, object]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _progress(job: Job) -> dict[str, object]:
    p = job.progress
    return {"job": job.id, "kind": job.kind, "done": p.done if p else 0, "total": p.total if p else 0,
            "text": progress_text(job), "state": str(job.state)}


async def _stream(request: Request, flow: Flow) -> AsyncIterator[bytes]:
    from .routes import services_of
    from .server import ctx_of

    services, stopping = services_of(request), ctx_of(request).stopping
    started = last_beat = time.monotonic()
    seen_end: set[str] = set()
    last: dict[str, object] = {}
    yield b"retry: 2000\n\n"
    while time.monotonic() - started < MAX_STREAM_S:
        if stopping.is_set() or await request.is_disconnected():
            return
        job = followed_job(flow, services)
        if job is not None and job.id not in seen_end:
            payload = _progress(job)
            if job.finished:
                seen_end.add(job.id)
                yield _sse("end", payload)
                last_beat = time.monotonic()
            elif payload != last:
                last = payload
                yield _sse("progress", payload)
                last_beat = time.monotonic()
        elif time.monotonic() - last_beat > KEEPALIVE_S:
            yield b": keep-alive\n\n"
            last_beat = time.monotonic()
        await asyncio.sleep(POLL_S)


async def events(request: Request) -> Response:
    flow = flow_of(browser_session(request))
    return StreamingResponse(_stream(request, flow), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
