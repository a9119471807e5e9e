"""Issue 13, connecting as a new user types it: an address without `http://`, Plex Web's address copied from the
browser, a web page that is not Plex, and a server that accepts the connection and never answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from ratings_to_plex.app.connection import normalise_url
from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator
from tests.net_support import fixed_reply, never_answering

runner = CliRunner()


@pytest.mark.parametrize(("typed", "base"), [
    ("127.0.0.1:32400", "http://127.0.0.1:32400"),
    ("localhost:32400", "http://localhost:32400"),
    (" https://plex.home:32400/ ", "https://plex.home:32400/"),
    ("http://192.168.1.5:32400/web/index.html#!/media/abc/com.plexapp.plugins.library?source=1",
     "http://192.168.1.5:32400"),
    ("192.168.1.5:32400/web", "http://192.168.1.5:32400"),
])
def test_normalise_url(typed: str, base: str) -> None:
    assert normalise_url(typed) == base


@pytest.mark.parametrize("shape", ["127.0.0.1:{port}", "localhost:{port}", "http://127.0.0.1:{port}/web/index.html"])
def test_addresses_people_paste_are_accepted(emulator: Callable[..., Emulator], shape: str) -> None:
    emu = emulator(demo=True)
    url = shape.format(port=emu.port)
    result = runner.invoke(app, ["libraries", "--url", url, "--token", emu.token, "--json"])
    assert result.exit_code == 0, result.stderr
    assert {s["title"] for s in json.loads(result.stdout)} >= {"Movies", "TV Shows"}
    assert result.stderr.startswith("Connecting to http://")


_Page = fixed_reply(200, "text/html", b"<html><head><title>Router login</title></head><body>Sign in</body></html>")
_NotFound = fixed_reply(404, "text/html", b"<html><body><h1>404 Not Found</h1><hr>nginx</body></html>")


@pytest.fixture(params=[_Page, _NotFound], ids=["login-page", "404-page"])
def web_page(request: pytest.FixtureRequest) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), request.param)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_web_page_is_not_a_plex_server(web_page: str) -> None:
    result = runner.invoke(app, ["libraries", "--url", web_page, "--token", "some-token-1"])
    assert result.exit_code == 3
    assert "not" in result.stderr and "Plex" in result.stderr and "no such item" not in result.stderr
    assert "bug" not in result.stderr and "<html" not in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts every connection and never answers a byte."""
    with never_answering() as address:
        yield f"http://{address}"


def test_a_server_that_never_answers_fails_clearly_within_15_s(silent_server: str) -> None:
    started = time.monotonic()
    result = runner.invoke(app, ["libraries", "--url", silent_server, "--token", "some-token-1"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Connecting to {silent_server}…")  # said at once, before the wait
    assert "Plex" in result.stderr and "bug" not in result.stderr
    assert elapsed < 16, elapsed
