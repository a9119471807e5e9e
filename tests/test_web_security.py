"""The web UI is safe on a network: access token, login cookie, same-origin + CSRF, upload cap and private uploads,
security headers, the Plex token never in a page, and `web` refusing to start open to the network.

Every test drives the real app under uvicorn over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import httpx
import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plex.plextv import PLEXTV_ENV
from ratings_to_plex.web.sessions import SessionStore
from ratings_to_plex.web.settings import WebSettings
from tests.web_support import (  # noqa: F401 - no_real_plextv: autouse fixture
    LONG_TOKEN,
    WebServer,
    csrf_of,
    messages,
    no_real_plextv,
)

SAMPLE = files("ratings_to_plex.data") / "sample_imdb_ratings.csv"


@pytest.fixture
def open_web() -> Iterator[WebServer]:
    with WebServer(WebSettings()) as web:
        yield web


@pytest.fixture
def guarded_web() -> Iterator[WebServer]:
    with WebServer(WebSettings(host="0.0.0.0", access_token=LONG_TOKEN, max_upload_bytes=4096)) as web:
        yield web


def _page(client: httpx.Client) -> str:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    return response.text


# -- access token ---------------------------------------------------------------------------------------------
def test_without_the_token_pages_redirect_to_login_and_calls_get_401(guarded_web: WebServer) -> None:
    with guarded_web.client() as client:
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"] == "/login"
        api = client.get("/signin/status")
        assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
        assert "set-cookie" not in api.headers and "set-cookie" not in page.headers  # no session for strangers
        assert client.post("/write").status_code == 401
        assert client.get("/events").status_code == 401
        assert client.get("/runs/1/log").status_code == 401
        assert client.get("/", headers={"Authorization": "Bearer wrong-token-of-enough-length"}).status_code == 401
        assert client.get("/healthz").status_code == 200  # the only open page (and the static files)
        assert client.get("/static/app.js").status_code == 200


def test_login_sets_a_new_httponly_strict_cookie(guarded_web: WebServer) -> None:
    with guarded_web.client() as client:
        form = client.get("/login")
        assert 'data-testid="access-token"' in form.text and 'data-testid="login"' in form.text
        before = client.cookies["rtp_session"]
        wrong = client.post("/login", data={"csrf": csrf_of(form.text), "access_token": "x" * 20})
        assert wrong.status_code == 303 and wrong.headers["location"] == "/login"
        assert "not the access token" in client.get("/login").text
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 303
        right = client.post("/login", data={"csrf": csrf_of(form.text), "access_token": LONG_TOKEN})
        assert right.status_code == 303 and right.headers["location"] == "/"
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert client.cookies["rtp_session"] != before  # a session id planted before login is worthless
        assert LONG_TOKEN not in cookie
        assert 'data-testid="plex-url"' in _page(client)


def test_bearer_token_opens_every_page_without_a_cookie(guarded_web: WebServer) -> None:
    with guarded_web.client(headers={"Authorization": f"Bearer {LONG_TOKEN}"}) as client:
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
        # A script with the token needs no CSRF token (browsers never send this header on their own)...
        assert client.post("/signin/cancel").status_code == 303
        # ...but another site's origin is refused even then.
        assert client.post("/signin/cancel", headers={"Origin": "http://evil.example"}).status_code == 403


def test_loopback_server_refuses_other_host_names(open_web: WebServer) -> None:
    """Without a token it answers only to loopback names, so a DNS-rebinding page cannot reach it."""
    with open_web.client() as client:
        assert client.get("/").status_code == 200
        assert client.get("/", headers={"Host": f"localhost:{open_web.port}"}).status_code == 200
        refused = client.get("/", headers={"Host": f"rebind.evil.example:{open_web.port}"})
        assert refused.status_code == 400


def test_anonymous_sessions_are_evicted_before_logged_in_ones() -> None:
    store = SessionStore(max_sessions=3)
    logged_in = store.create(authenticated=True)
    login_forms = [store.create() for _ in range(5)]
    assert store.get(logged_in.id) is logged_in
    assert [store.get(s.id) is not None for s in login_forms] == [False, False, False, True, True]
    stale = SessionStore(idle_s=0.0)
    old = stale.create(authenticated=True)
    time.sleep(0.01)
    assert stale.get(old.id) is None  # an idle session expires


# -- same origin and CSRF ---------------------------------------------------------------------------------------
def test_state_changes_need_the_csrf_token_and_our_origin(open_web: WebServer) -> None:
    with open_web.client() as client:
        csrf = csrf_of(_page(client))
        assert client.post("/signin/cancel").status_code == 403  # no CSRF token
        assert client.post("/signin/cancel", data={"csrf": "forged"}).status_code == 403
        assert client.post("/signin/cancel", headers={"X-CSRF-Token": "forged"}).status_code == 403
        other = {"Origin": "http://evil.example", "X-CSRF-Token": csrf}
        assert client.post("/signin/cancel", headers=other).status_code == 403
        referer = {"Referer": "http://evil.example/page", "X-CSRF-Token": csrf}
        assert client.post("/signin/cancel", headers=referer).status_code == 403
        assert client.post("/signin/cancel", headers={"Origin": "null", "X-CSRF-Token": csrf}).status_code == 403
        ours = {"Origin": open_web.url.rstrip("/")}
        assert client.post("/signin/cancel", data={"csrf": csrf}, headers=ours).status_code == 303
        assert client.post("/signin/cancel", headers={"X-CSRF-Token": csrf}).status_code == 303
        proxied = {"Origin": "https://plex-tools.example", "X-Forwarded-Host": "plex-tools.example",
                   "X-CSRF-Token": csrf}  # behind a reverse proxy that rewrites Host
        assert client.post("/signin/cancel", headers=proxied).status_code == 303
        # A multipart upload carries it in the query string; without it the body is never read.
        upload = client.post("/upload", files={"file": ("r.csv", b"x", "text/csv")})
        assert upload.status_code == 403
    with open_web.client() as stranger:  # another browser's token is not this one's
        assert stranger.post("/signin/cancel", data={"csrf": csrf}).status_code == 403


# -- uploads ----------------------------------------------------------------------------------------------------
def test_oversized_upload_is_refused_with_the_limit_in_words(guarded_web: WebServer) -> None:
    area = Path(guarded_web.app.app.state.services.uploads.root)  # type: ignore[attr-defined]
    with guarded_web.client(headers={"Authorization": f"Bearer {LONG_TOKEN}"}) as client:
        big = b"Const,Your Rating\n" + b"tt0000001,7\n" * 10_000  # declared size far over: refused unread
        declared = client.post("/upload", files={"file": ("ratings.csv", big, "text/csv")})
        assert declared.status_code == 413 and "4 KB upload limit" in declared.text

        def chunks() -> Iterator[bytes]:  # no Content-Length: the cap is enforced while streaming
            yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\n\r\n"
            for _ in range(100):
                yield b"tt0000001,7\n" * 10
            yield b"\r\n--b--\r\n"

        streamed = client.post("/upload", content=chunks(),
                               headers={"Content-Type": "multipart/form-data; boundary=b"})
        assert streamed.status_code == 413 and "upload limit" in streamed.text
    assert stat.S_IMODE(area.stat().st_mode) == 0o700
    assert list(area.iterdir()) == []  # nothing of the refused uploads is left behind


def test_upload_keeps_only_the_base_name_in_the_private_folder(open_web: WebServer) -> None:
    area = Path(open_web.app.app.state.services.uploads.root)  # type: ignore[attr-defined]
    with open_web.client() as client:
        csrf = csrf_of(_page(client))
        response = client.post(f"/upload?csrf={csrf}", files={"file": ("../../etc/evil ratings.csv",
                                                                         SAMPLE.read_bytes(), "text/csv")})
        assert response.status_code == 303
        stored = [p for p in area.rglob("*") if p.is_file()]
        assert [p.name for p in stored] == ["evil ratings.csv"]
        assert stored[0].parent.parent == area


def test_import_folder_is_offered_by_opaque_ids_only(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "ratings.csv").write_bytes(SAMPLE.read_bytes())
    (folder / "notes.exe").write_bytes(b"MZ")
    with WebServer(WebSettings(import_dir=folder)) as web, web.client() as client:
        page = _page(client)
        assert "ratings.csv" in page and "notes.exe" not in page and str(folder) not in page
        csrf = csrf_of(page)
        for forged in ("ratings.csv", str(folder / "ratings.csv"), "../../etc/passwd"):
            client.post("/pick", data={"csrf": csrf, "file_id": forged})
            assert any("no longer in the import folder" in m for m in messages(_page(client)))


# -- headers and secrets ----------------------------------------------------------------------------------------
def test_security_headers_on_every_response(guarded_web: WebServer) -> None:
    with guarded_web.client() as client:
        for response in (client.get("/healthz"), client.get("/login"), client.get("/signin/status"),
                         client.get("/static/app.css")):
            headers = response.headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
            assert headers["x-frame-options"] == "DENY"
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "same-origin"


def test_templates_have_no_inline_script_or_style() -> None:
    folder = Path(str(files("ratings_to_plex.web"))) / "templates"
    for template in folder.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script>" not in text and "style=" not in text and " on" + "click=" not in text, template.name


def test_plex_token_never_reaches_the_page_or_the_cookie(open_web: WebServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with Emulator(EmulatorConfig(demo=True)) as emu, open_web.client() as client:
        monkeypatch.setenv(PLEXTV_ENV, emu.url)
        csrf = csrf_of(_page(client))
        client.post("/signin/token", data={"csrf": csrf, "url": emu.url, "token": emu.token})
        page = _page(client)
        assert 'data-testid="library"' in page and "Connected to" in page
        assert emu.token not in page
        assert all(emu.token not in value for value in client.cookies.values())
        assert emu.token not in client.get("/signin/status").text


# -- `ratings-to-plex web` -----------------------------------------------------------------------------------
def _web(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if k != "RATINGS_TO_PLEX_WEB_TOKEN"} | (env or {})
    return subprocess.Popen([sys.executable, "-m", "ratings_to_plex", "web", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)


def test_web_refuses_a_network_address_without_a_good_token(tmp_path: Path) -> None:
    for args, env in ((["--host", "0.0.0.0"], {}),
                      (["--host", "192.168.1.10"], {"RATINGS_TO_PLEX_WEB_TOKEN": "short"})):
        process = _web(*args, "--port", "0", env=env)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 2, (out, err)
        assert out == "" and len(err.strip().splitlines()) == 1
        assert "access token" in err
    empty = tmp_path / "token.txt"
    empty.write_text("\n", encoding="utf-8")
    process = _web("--host", "0.0.0.0", "--port", "0", "--access-token-file", str(empty))
    assert process.wait(60) == 2
    process = _web("--port", "0", "--import-dir", str(tmp_path / "missing"))
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 2 and "is not a folder" in err


def test_web_prints_its_url_first_and_serves_healthz(tmp_path: Path) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text(LONG_TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    process = _web("--port", "0", "--access-token-file", str(token_file))
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("URL: http://127.0.0.1:") and first.endswith("/")
        url = first.removeprefix("URL: ")
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(url + "healthz", timeout=5).text == "ok"
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "web did not answer"
                time.sleep(0.1)
        assert httpx.get(url, headers={"Accept": "text/html"}).status_code == 303  # the token is needed
    finally:
        process.terminate()
        process.wait(30)
    assert process.returncode in (0, -15)
