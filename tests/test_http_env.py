"""The transport reads proxy settings, the CA bundle and ~/.netrc once per server, with requests' own results."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from ratings_to_plex.plex import http
from ratings_to_plex.plex.http import make_session

URLS = ("http://plex.lan:32400/library/sections", "http://127.0.0.1:32400/:/rate?key=1", "http://plex.lan:32400",
        "https://other.example:443/x")


def test_environment_settings_are_requests_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.lan:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    ours, theirs = make_session(), requests.Session()
    for url in URLS * 2:  # the second round comes from the cache
        assert ours.merge_environment_settings(url, {}, None, None, None) == \
            theirs.merge_environment_settings(url, {}, None, None, None), url
    assert make_session(verify=False).merge_environment_settings(URLS[3], {}, None, None, None)["verify"] is False


def test_netrc_is_read_once_per_server_and_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine plex.lan login alice password s3cret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    calls: list[str] = []
    real = http.get_netrc_auth

    def counted(url: str) -> object:
        calls.append(url)
        return real(url)

    monkeypatch.setattr(http, "get_netrc_auth", counted)
    session = make_session()
    first = session.prepare_request(requests.Request("GET", URLS[0]))
    again = session.prepare_request(requests.Request("GET", URLS[2]))
    elsewhere = session.prepare_request(requests.Request("GET", URLS[3]))
    assert first.headers["Authorization"] == again.headers["Authorization"] == \
        requests.Session().prepare_request(requests.Request("GET", URLS[0])).headers["Authorization"]
    assert "Authorization" not in elsewhere.headers
    assert len(calls) == 2  # plex.lan once, other.example once
