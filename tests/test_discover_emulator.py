"""The emulator's Discover side over real HTTP: catalogue, per-account state, 401, 429 + Retry-After."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ratings_to_plex.emulator.server import Emulator, EmulatorConfig


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True)) as emulator:
        yield emulator


def _get(emu: Emulator, path: str, token: str | None, method: str = "GET", **params: Any) -> requests.Response:
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-Plex-Token"] = token
    return requests.request(method, emu.discover_url + path, params=params, headers=headers, timeout=10)


def _key(emu: Emulator, guid: str) -> str:
    title = emu.discover.find(guid)
    assert title is not None
    return str(title.key)


def test_account_token_required_and_server_tokens_of_other_users_refused(emu: Emulator) -> None:
    assert _get(emu, "/library/metadata/matches", None, type=1, guid="imdb://tt0095016").status_code == 401
    assert _get(emu, "/library/metadata/matches", "wrong", type=1, guid="imdb://tt0095016").status_code == 401
    person = emu.ctx.users.people[0]
    refused = _get(emu, "/library/metadata/matches", person.server_token, type=1, guid="imdb://tt0095016")
    assert refused.status_code == 401
    assert _get(emu, "/library/metadata/matches", person.account_token, type=1,
                guid="imdb://tt0095016").status_code == 200


def test_matches_is_type_aware_and_shares_the_library_hex(emu: Emulator) -> None:
    found = _get(emu, "/library/metadata/matches", emu.token, type=1, guid="imdb://tt0468569")
    meta = found.json()["MediaContainer"]["Metadata"][0]
    library_guid = emu.library.find(imdb_id="tt0468569")[0].guid
    assert meta["guid"] == library_guid == f"plex://movie/{meta['ratingKey']}"
    assert _get(emu, "/library/metadata/matches", emu.token, type=2, guid="imdb://tt0468569").status_code == 404
    show = _get(emu, "/library/metadata/matches", emu.token, type=2, guid="imdb://tt0386676").json()
    assert show["MediaContainer"]["Metadata"][0]["type"] == "show"
    assert _get(emu, "/library/metadata/matches", emu.token, type=1, guid="imdb://tt9999999").status_code == 404
    assert _get(emu, "/library/metadata/matches", emu.token, type=1).status_code == 400


def test_sample_rows_missing_from_the_demo_library_are_in_the_catalogue(emu: Emulator) -> None:
    for guid in ("imdb://tt0095016", "imdb://tt0038650", "imdb://tt0000001", "imdb://tt0386676"):
        assert emu.discover.find(guid) is not None, guid
    for title in ("Dune: Part Two", "Past Lives", "Paddington 2"):
        body = _get(emu, "/library/search", emu.token, query=title, searchTypes="movies",
                    searchProviders="discover", includeMetadata=1).json()
        results = body["MediaContainer"]["SearchResults"][0]["SearchResult"]
        assert results[0]["Metadata"]["title"] == title and results[0]["score"] == 1.0


def test_search_needs_search_providers(emu: Emulator) -> None:
    refused = _get(emu, "/library/search", emu.token, query="Die Hard", searchTypes="movies")
    assert refused.status_code == 400 and "searchProviders" in refused.text


def test_rating_and_views_are_per_account(emu: Emulator) -> None:
    key = _key(emu, "imdb://tt0095016")
    other = emu.ctx.users.people[2].account_token
    assert _get(emu, "/actions/rate", emu.token, "PUT", identifier="tv.plex.provider.discover", key=key,
                rating=8).status_code == 200
    assert _get(emu, "/actions/scrobble", emu.token, key=key,
                identifier="com.plexapp.plugins.library").status_code == 200
    mine = _get(emu, f"/library/metadata/{key}", emu.token, includeUserState=1).json()["MediaContainer"]
    assert mine["Metadata"][0]["userRating"] == 8.0 and mine["Metadata"][0]["viewCount"] == 1
    theirs = _get(emu, f"/library/metadata/{key}", other, includeUserState=1).json()["MediaContainer"]
    assert "userRating" not in theirs["Metadata"][0]
    state = _get(emu, f"/library/metadata/{key}/userState", emu.token).json()["MediaContainer"]["UserState"][0]
    assert state["viewCount"] == 1 and state["userRating"] == 8.0
    assert _get(emu, "/actions/rate", emu.token, "PUT", identifier="tv.plex.provider.discover", key=key,
                rating=-1).status_code == 200
    assert emu.discover.rating(emu.token, key) is None
    assert emu.counters.writes() == 3  # two rates and a scrobble: Discover writes count as writes


@pytest.mark.parametrize("params", [
    {"identifier": "com.plexapp.plugins.library", "rating": 8},  # the server's identifier is not Discover's
    {"identifier": "tv.plex.provider.discover", "rating": 11},
    {"identifier": "tv.plex.provider.discover", "rating": "nan!"},
])
def test_bad_rate_requests_are_refused(emu: Emulator, params: dict[str, Any]) -> None:
    key = _key(emu, "imdb://tt0095016")
    assert _get(emu, "/actions/rate", emu.token, "PUT", key=key, **params).status_code == 400
    assert emu.discover.rating(emu.token, key) is None


def test_bursts_get_429_with_retry_after_and_early_returns_are_counted(emu: Emulator) -> None:
    emu.discover.limits.burst, emu.discover.limits.per_second, emu.discover.limits.retry_after = 2, 0.5, 0.5
    statuses = []
    for pause in (0, 0, 0, 0.2):
        time.sleep(pause)
        statuses.append(_get(emu, "/library/metadata/matches", emu.token, type=1, guid="imdb://tt0095016"))
    assert [r.status_code for r in statuses] == [200, 200, 429, 429]
    assert statuses[2].headers["Retry-After"] == "0.5"
    assert emu.discover.throttled == 2 and emu.discover.early == 1  # the 4th came back 0.2 s into a 0.5 s wait
    assert emu.counters.get("GET /discover/library/metadata/matches") == 4
