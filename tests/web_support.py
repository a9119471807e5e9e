"""Helpers for the web UI tests: the real app under uvicorn in a thread, on a free 127.0.0.1 port."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from types import TracebackType

import httpx
import pytest
import uvicorn

from ratings_to_plex.plex.plextv import PLEXTV_ENV
from ratings_to_plex.web.serve import bind
from ratings_to_plex.web.server import create_app, stop_streams
from ratings_to_plex.web.settings import WebSettings
from tests.net_support import closed_port

LONG_TOKEN = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def no_real_plextv(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page asks plex.tv for a sign-in PIN by itself: tests point plex.tv at a closed local port unless an
    emulator fixture points it at the emulator (tests talk to 127.0.0.1 only)."""
    monkeypatch.setenv(PLEXTV_ENV, f"http://127.0.0.1:{closed_port()}")


class WebServer:
    """`with WebServer(settings) as web: httpx.get(web.url + "healthz")` — stops (and cleans up) on exit."""

    def __init__(self, settings: WebSettings | None = None) -> None:
        self.settings = settings or WebSettings()
        self.sock = bind("127.0.0.1", 0)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.app = create_app(self.settings)
        config = uvicorn.Config(self.app, log_config=None, log_level="warning", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        stop_streams(self.app)
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(name="web")
def web_fixture() -> Iterator[WebServer]:
    """`web`: the web app with default settings, served for one test (named apart so a test's `web` argument does not
    shadow the import)."""
    with WebServer() as server:
        yield server


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def messages(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'class="msg [^"]*"[^>]*>([^<]*)<', html)]


class Browser:
    """One browser (its own cookie jar and CSRF token) driving the forms."""

    def __init__(self, web: WebServer) -> None:
        self.client = web.client()
        self.csrf = csrf_of(self.page())

    def page(self, query: str = "") -> str:
        response = self.client.get("/" + query, headers={"Accept": "text/html"})
        assert response.status_code == 200
        return response.text

    def post(self, path: str, **data: object) -> httpx.Response:
        return self.client.post(path, data={"csrf": self.csrf, **data})  # type: ignore[dict-item]

    def upload(self, name: str, content: bytes) -> None:
        response = self.client.post(f"/upload?csrf={self.csrf}", files={"file": (name, content, "text/csv")},
                                    headers={"Accept": "text/html"})  # as a form without the page's script
        assert response.status_code == 303

    def wait_idle(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            page = self.page()
            if 'data-testid="cancel"' not in page:
                return page
            assert time.monotonic() < deadline, "the job never ended"
            time.sleep(0.1)
