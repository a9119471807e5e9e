"""The emulator through unmodified plexapi over real HTTP: account, resources, listings, paging, writes, PINs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin
from plexapi.server import PlexServer

from ratings_to_plex.emulator import Emulator, EmulatorConfig, demo_library, generate_library

from .emulator_fixtures import plextv_session


@pytest.fixture(scope="module")
def shared() -> Iterator[Emulator]:
    """A read-mostly emulator shared by the module (tests that write use their own)."""
    with Emulator(EmulatorConfig(movies=300, shows=12, episodes_per_show=6, seed=3)) as emu:
        yield emu


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(movies=60, shows=4, episodes_per_show=5, seed=5)) as e:
        yield e


def server(e: Emulator) -> PlexServer:
    return PlexServer(e.url, e.token, session=requests.Session())


def first_new_agent_movie(plex: PlexServer) -> object:
    return next(m for m in plex.library.section("Movies").all() if m.guid.startswith("plex://") and m.guids)


# -- plex.tv side -----------------------------------------------------------------------------------------------
def test_account_resources_and_connect(shared: Emulator) -> None:
    account = MyPlexAccount(token=shared.token, session=plextv_session(shared.url))
    assert account.username == "demo"
    assert account.authToken == shared.token
    resources = account.resources()
    assert len(resources) == 1
    resource = resources[0]
    assert resource.owned and "server" in resource.provides and resource.accessToken == shared.token
    plex = resource.connect()
    assert isinstance(plex, PlexServer)
    assert plex.machineIdentifier == shared.machine_identifier
    assert [(s.key, s.title) for s in plex.library.sections()] == [(1, "Movies"), (2, "TV Shows")]


def test_extra_resources_listed_but_only_servers_provide_server() -> None:
    with Emulator(EmulatorConfig(movies=5, shows=1, extra_resources=1)) as e:
        resources = MyPlexAccount(token=e.token, session=plextv_session(e.url)).resources()
        assert [(r.owned, "server" in r.provides) for r in resources] == [(True, True), (False, True), (True, False)]
        assert isinstance(resources[1].connect(), PlexServer)  # a shared server connects remotely


def test_bad_token_is_unauthorized(shared: Emulator) -> None:
    with pytest.raises(Unauthorized):
        PlexServer(shared.url, "wrong-token", session=requests.Session())
    with pytest.raises(Unauthorized):
        MyPlexAccount(token="wrong-token", session=plextv_session(shared.url))
    r = requests.get(shared.url + "/library/sections", timeout=5)
    assert r.status_code == 401 and "<html>" in r.text
    assert requests.get(shared.url + f"/library/sections?X-Plex-Token={shared.token}", timeout=5).ok


def test_revoked_token_fails_mid_run(emu: Emulator) -> None:
    plex = server(emu)
    section = plex.library.section("Movies")
    emu.revoke_token()
    with pytest.raises(Unauthorized):
        section.all()
    emu.set_token("fresh")
    assert len(PlexServer(emu.url, "fresh", session=requests.Session()).library.section("Movies").all()) == 60


def test_pin_login_oauth(emu: Emulator) -> None:
    login = MyPlexPinLogin(oauth=True, session=plextv_session(emu.url))
    assert login.oauthUrl().startswith("https://app.plex.tv/auth/#!?clientID=")
    login.run(timeout=15)
    time.sleep(0.2)
    assert not login.finished  # pending until approved
    assert emu.approve_pin(int(login._id))
    assert login.waitForLogin()
    assert login.token == emu.token
    assert MyPlexAccount(token=login.token, session=plextv_session(emu.url)).username == "demo"


def test_pin_approve_all_over_http_and_expiry() -> None:
    with Emulator(EmulatorConfig(movies=1, shows=0, pin_expires_s=1)) as e:
        s = plextv_session(e.url)
        login = MyPlexPinLogin(oauth=True, session=s)
        login._getCode()
        r = requests.post(e.url + "/emulator/pins/approve-all", headers={"X-Plex-Token": e.token}, timeout=5)
        assert r.json() == {"approved": 1}
        assert login.checkLogin() and login.token == e.token
        late = MyPlexPinLogin(oauth=True, session=s)
        late._getCode()
        time.sleep(1.1)
        assert not late.checkLogin() and late.expired  # 404 after expiry


# -- reads ------------------------------------------------------------------------------------------------------
def test_paging_across_pages_uses_total_size() -> None:
    with Emulator(EmulatorConfig(), library=generate_library(20_000, 0, 0, seed=9)) as e:
        section = server(e).library.section("Movies")
        e.counters.reset()
        items = section.all(container_size=1000)
        assert len(items) == 20_000 and len({i.ratingKey for i in items}) == 20_000
        assert e.counters.snapshot() == {"GET /library/sections/{id}/all": 20}


def test_default_page_size_and_headers_or_params(emu: Emulator) -> None:
    section = server(emu).library.section("Movies")
    emu.counters.reset()
    assert len(section.all()) == 60  # plexapi default: pages of 100
    assert emu.counters.get("GET /library/sections/{id}/all") == 1
    assert section.totalSize == 60  # a Size=0 query-param request answered with totalSize only
    url = emu.url + "/library/sections/1/all?type=1&X-Plex-Container-Start=50&X-Plex-Container-Size=20"
    r = requests.get(url, headers={"X-Plex-Token": emu.token}, timeout=5)
    assert 'size="10" totalSize="60" offset="50"' in r.text
    assert r.headers["Content-Type"] == "text/xml;charset=utf-8"


def test_guid_children_and_attributes(shared: Emulator) -> None:
    plex = server(shared)
    movies = plex.library.section("Movies").all()
    new = [m for m in movies if m.guid.startswith("plex://movie/")]
    legacy = [m for m in movies if m.guid.startswith("com.plexapp.agents.")]
    assert new and legacy
    assert any(g.id.startswith("imdb://tt") for m in new for g in m.guids)
    assert all(m.guids == [] for m in legacy)
    assert all(m.librarySectionID == 1 for m in movies)
    rated = [m for m in movies if m._data.attrib.get("userRating")]
    unrated = [m for m in movies if "userRating" not in m._data.attrib]
    assert rated and unrated
    assert all("lastRatedAt" not in m._data.attrib for m in unrated)
    assert all(m._data.attrib.get("viewCount") != "0" for m in movies)


def test_fetch_item_search_by_guid(shared: Emulator) -> None:
    plex = server(shared)
    movie = first_new_agent_movie(plex)
    assert plex.fetchItem(movie.ratingKey).title == movie.title  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        plex.fetchItem(999_999)
    section = plex.library.section("Movies")
    assert [m.ratingKey for m in section.search(guid=movie.guid)] == [movie.ratingKey]  # type: ignore[attr-defined]
    found = plex.library.search(guid=movie.guid)  # type: ignore[attr-defined]
    assert [(m.ratingKey, m.librarySectionID) for m in found] == [(movie.ratingKey, 1)]  # type: ignore[attr-defined]
    # Like real PMS, a guid filter sees only the item's own guid attribute, never its <Guid> children…
    imdb = next(g.id for g in movie.guids if g.id.startswith("imdb://"))  # type: ignore[attr-defined]
    assert section.search(guid=imdb) == [] and plex.library.search(guid=imdb) == []
    # …so a legacy-agent item, whose own guid carries the IMDb id, is found by that guid.
    legacy = next(i for i in shared.library.items.values() if i.guid.startswith("com.plexapp.agents.imdb://"))
    assert [m.ratingKey for m in plex.library.search(guid=legacy.guid)] == [legacy.rating_key]
    shared.ctx.strict = False  # the lenient emulator (our old picture of Plex) matched the children too
    try:
        assert [m.ratingKey for m in section.search(guid=imdb)] == [movie.ratingKey]  # type: ignore[attr-defined]
    finally:
        shared.ctx.strict = True
    assert section.search(guid="imdb://tt0000001") == []


def test_shows_seasons_episodes(shared: Emulator) -> None:
    shows = server(shared).library.section("TV Shows")
    show = shows.all()[0]
    assert show.leafCount == 6 and show.childCount >= 1
    episodes = show.episodes()
    assert len(episodes) == 6 and all(ep.grandparentRatingKey == show.ratingKey for ep in episodes)
    assert sum(len(s.episodes()) for s in show.seasons()) == 6
    assert len(shows.search(libtype="episode")) == 12 * 6
    assert len(shows.search(libtype="season")) == len(shared.library.sections[2].keys_by_type["season"])
    new_ep = next(ep for s in shows.all() for ep in s.episodes() if ep.guids)
    assert {g.id.split("://")[0] for g in new_ep.guids} >= {"imdb"}
    assert [e.ratingKey for e in shows.search(guid=new_ep.guid, libtype="episode")] == [new_ep.ratingKey]
    assert shows.search(guid=new_ep.guids[0].id, libtype="episode") == []  # children are not searchable


def test_meta_collections_and_multi_metadata(shared: Emulator) -> None:
    h = {"X-Plex-Token": shared.token}
    r = requests.get(shared.url + "/library/sections/2/all?includeMeta=1&X-Plex-Container-Start=0"
                     "&X-Plex-Container-Size=0", headers=h, timeout=5)
    assert 'size="0"' in r.text and '<Type key="/library/sections/2/all?type=4" type="episode"' in r.text
    assert "<Video" not in r.text
    r = requests.get(shared.url + "/library/sections/1/collections", headers=h, timeout=5)
    assert r.ok and 'size="0"' in r.text
    keys = shared.library.sections[1].keys_by_type["movie"][:3]
    paged = {**h, "X-Plex-Container-Start": "0", "X-Plex-Container-Size": "3"}
    r = requests.get(shared.url + "/library/metadata/" + ",".join(map(str, keys)), headers=paged, timeout=5)
    assert r.text.count("<Video ") == 3
    # Real PMS: a list of keys is a listing (paging headers required), and one missing key fails the whole request.
    r = requests.get(shared.url + "/library/metadata/" + ",".join(map(str, keys)), headers=h, timeout=5)
    assert r.status_code == 400 and "X-Plex-Container-Size" in r.text
    r = requests.get(shared.url + "/library/metadata/" + ",".join(map(str, [*keys, 999_999])), headers=paged,
                     timeout=5)
    assert r.status_code == 404


# -- writes -----------------------------------------------------------------------------------------------------
def test_rate_and_clear(emu: Emulator) -> None:
    movie = first_new_agent_movie(server(emu))
    movie.rate(7)  # type: ignore[attr-defined]
    movie.reload()  # type: ignore[attr-defined]
    assert movie.userRating == 7.0  # type: ignore[attr-defined]
    state = emu.state()[movie.ratingKey]  # type: ignore[attr-defined]
    assert state.user_rating == 7.0 and state.last_rated_at and state.last_rated_at >= time.time() - 5
    movie.rate(None)  # type: ignore[attr-defined]
    movie.reload()  # type: ignore[attr-defined]
    assert movie.userRating is None  # type: ignore[attr-defined]
    assert emu.state()[movie.ratingKey].last_rated_at is None  # type: ignore[attr-defined]
    assert emu.counters.writes() == 2


def test_rate_validation_and_exact_storage(emu: Emulator) -> None:
    key = emu.library.sections[1].keys_by_type["movie"][0]
    h = {"X-Plex-Token": emu.token}

    def put(params: str) -> int:
        return requests.put(f"{emu.url}/:/rate?identifier=com.plexapp.plugins.library&{params}", headers=h,
                            timeout=5).status_code

    assert put(f"key={key}&rating=7.3") == 200 and emu.state()[key].user_rating == 7.3
    assert put(f"key={key}&rating=abc") == 400
    assert put(f"key={key}&rating=10.5") == 400
    assert put(f"key={key}") == 400
    assert put("key=999999&rating=5") == 404
    assert emu.state()[key].user_rating == 7.3


def test_mark_played_unplayed_and_show_scrobble(emu: Emulator) -> None:
    plex = server(emu)
    movie = plex.library.section("Movies").all()[0]
    movie.markUnplayed()
    movie.markPlayed()
    movie.reload()
    assert movie.viewCount == 1
    movie.markUnplayed()
    movie.reload()
    assert movie.viewCount == 0
    show = plex.library.section("TV Shows").all()[0]
    show.markPlayed()
    state = emu.state()
    assert all(state[ep.ratingKey].view_count >= 1 for ep in show.episodes())
    assert state[show.ratingKey].view_count >= 1
    show.reload()
    assert show.viewedLeafCount == show.leafCount == 5


def test_edit_user_rating(emu: Emulator) -> None:
    movie = server(emu).library.section("Movies").all()[1]
    movie.editUserRating(7.5)
    assert emu.state()[movie.ratingKey].user_rating == 7.5
    assert emu.counters.get("PUT /library/sections/{id}/all") == 1


# -- faults, latency, counters ----------------------------------------------------------------------------------
def test_faults_reach_the_client(emu: Emulator) -> None:
    plex = server(emu)
    section = plex.library.section("Movies")
    emu.faults.rate_500 = 1.0
    with pytest.raises(BadRequest, match=r"\(500\)"):
        section.all()
    emu.faults.clear()
    emu.faults.rate_429, emu.faults.retry_after = 1.0, 0.05
    r = requests.get(emu.url + "/library/sections", headers={"X-Plex-Token": emu.token}, timeout=5)
    assert r.status_code == 429 and r.headers["Retry-After"] == "0.05"
    emu.faults.clear()
    emu.faults.rate_reset = 1.0
    with pytest.raises(requests.ConnectionError):
        requests.get(emu.url + "/library/sections", headers={"X-Plex-Token": emu.token}, timeout=5)
    emu.faults.clear()
    emu.faults.rate_503, emu.faults.only_paths = 1.0, ("/:/rate",)
    movie = section.all()[0]  # reads pass
    with pytest.raises(BadRequest, match=r"\(503\)"):
        movie.rate(5)
    assert emu.counters.faults() == {"500": 1, "429": 1, "reset": 1, "503": 1}
    assert emu.counters.get("PUT /:/rate") == 1  # faulted requests are still counted


def test_slow_fault_and_overlapping_latency(emu: Emulator) -> None:
    h = {"X-Plex-Token": emu.token}
    emu.faults.rate_slow, emu.faults.slow_seconds = 1.0, 0.3
    t = time.perf_counter()
    assert requests.get(emu.url + "/identity", headers=h, timeout=5).ok
    assert time.perf_counter() - t >= 0.3
    emu.faults.clear()
    emu.faults.latency_ms = 300
    from concurrent.futures import ThreadPoolExecutor

    t = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: requests.get(emu.url + "/identity", headers=h, timeout=5).status_code,
                              range(8)))
    assert codes == [200] * 8 and time.perf_counter() - t < 1.5  # 8 × 0.3 s would be 2.4 s sequentially


def test_fault_rate_config_is_deterministic() -> None:
    def statuses() -> list[int]:
        with Emulator(EmulatorConfig(movies=1, shows=0, fault_rate=0.5, seed=4)) as e:
            out = []
            for _ in range(40):
                try:
                    out.append(requests.get(e.url + "/identity", headers={"X-Plex-Token": e.token},
                                            timeout=5).status_code)
                except requests.ConnectionError:
                    out.append(0)
            return out

    first = statuses()
    assert first == statuses()
    assert {200, 500, 503, 429} <= set(first) and 0 in first


def test_counters_reads_writes_and_stop(emu: Emulator) -> None:
    plex = server(emu)
    movie = plex.library.section("Movies").all()[0]
    movie.rate(4)
    movie.markPlayed()
    snap = emu.counters.snapshot()
    assert snap["GET /"] == 1 and snap["PUT /:/rate"] == 1 and snap["GET /:/scrobble"] == 1
    assert emu.counters.writes() == 2 and emu.counters.reads() == emu.counters.total() - 2
    emu.counters.reset()
    assert emu.counters.total() == 0
    url = emu.url
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        plex._session.get(url + "/identity", headers={"X-Plex-Token": emu.token}, timeout=2)


def test_demo_library_through_plexapi() -> None:
    with Emulator(EmulatorConfig(demo=True)) as e:
        plex = server(e)
        assert [s.title for s in plex.library.sections()] == ["Movies", "TV Shows", "Movies 4K"]
        listed = [i for s in plex.library.sections() for i in s.all()]
        listed += plex.library.section("TV Shows").search(libtype="episode")

        def by_imdb(imdb: str) -> list[Any]:  # what a client must do on real PMS: list, then look at the Guids
            return [i for i in listed if f"imdb://{imdb}" in {g.id for g in i.guids} or imdb in i.guid]

        godfather = by_imdb("tt0068646")
        assert [(m.title, m.year, m.userRating) for m in godfather] == [("The Godfather", 1972, 10.0)]
        assert sorted(m.librarySectionID for m in by_imdb("tt1707386")) == [1, 3]
        pilot = by_imdb("tt0959621")
        assert pilot[0].grandparentTitle == "Breaking Bad" and pilot[0].type == "episode"
    assert len(demo_library()) == len(e.library)
