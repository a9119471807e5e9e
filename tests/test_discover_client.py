"""`DiscoverClient` against the emulator: caching, type-aware lookups, 429s honoured for every thread, errors."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ratings_to_plex.discover_plan import resolve
from ratings_to_plex.emulator.server import Emulator, EmulatorConfig
from ratings_to_plex.errors import AuthError
from ratings_to_plex.plex.discover import DISCOVER_ENV, DiscoverClient, Pacer
from ratings_to_plex.sources.model import RatingRow


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True)) as emulator:
        monkeypatch.setenv(DISCOVER_ENV, emulator.discover_url)
        yield emulator


def test_pacer_spaces_requests_and_a_hold_stops_everyone() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(2.0, 2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        pacer.wait()
    assert now[0] == pytest.approx(1.0)  # a burst of 2, then one every 0.5 s
    pacer.hold(3.0)
    pacer.wait()
    assert pacer.per_second == pytest.approx(1.4)  # told to slow down: 30 % slower from now on
    assert now[0] == pytest.approx(4.0 + 1 / 1.4)  # held 3 s, then the empty bucket refills one token
    for _ in range(10):
        pacer.hold(0.0)
    assert pacer.per_second == 1.0  # never slower than one request a second


def test_lookups_are_type_aware_and_cached(emu: Emulator) -> None:
    client = DiscoverClient(emu.token, pace=100)
    die_hard = client.find("imdb://tt0095016", "movie")
    assert die_hard is not None and die_hard.title == "Die Hard" and die_hard.year == 1988
    assert client.find("imdb://tt0095016", "movie") == die_hard
    assert client.find("imdb://tt0095016", "show") is None
    assert client.find("imdb://tt9999999", "movie") is None
    assert client.find("imdb://tt9999999", "movie") is None
    assert emu.counters.get("GET /discover/library/metadata/matches") == 3  # one per (id, type), 404s too
    assert client.search("Past Lives", "movie")[0].year == 2023
    client.search("Past Lives", "movie")
    assert emu.counters.get("GET /discover/library/search") == 1


def test_rate_read_back_and_clear(emu: Emulator) -> None:
    client = DiscoverClient(emu.token, pace=100)
    title = client.find("imdb://tt0038650", "movie")
    assert title is not None
    client.rate(title.key, 9.0)
    client.set_watched(title.key, True)
    now = client.state(title)
    assert now.user_rating == 9.0 and now.watched and now.last_rated_at
    assert emu.counters.get("PUT /discover/actions/rate") == 1
    client.rate(title.key, None)
    assert client.state(title).user_rating is None
    assert emu.counters.snapshot()["PUT /discover/actions/rate"] == 2


def test_429s_are_honoured_by_every_thread(emu: Emulator) -> None:
    emu.discover.limits.burst, emu.discover.limits.per_second, emu.discover.limits.retry_after = 3, 4.0, 0.4
    client = DiscoverClient(emu.token, pace=200, burst=20)  # far faster than the service allows
    ids = ["tt0095016", "tt0038650", "tt0000001", "tt15239678", "tt13238346", "tt4468740", "tt0068646",
           "tt0111161"]
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda i: client.find(f"imdb://{i}", "movie"), ids))
    assert all(found)
    assert client.stats.throttled > 0 and emu.discover.throttled == client.stats.throttled
    assert emu.discover.early == 0  # nobody came back before the Retry-After was over


def test_a_refused_token_says_sign_in_again_without_the_token(emu: Emulator) -> None:
    client = DiscoverClient("not-a-valid-token-xyz", pace=100)
    with pytest.raises(AuthError) as caught:
        client.find("imdb://tt0095016", "movie")
    assert "login" in str(caught.value) and "not-a-valid-token-xyz" not in str(caught.value)


def _row(title: str, year: int | None, kind: str, imdb: str | None = None) -> RatingRow:
    return RatingRow("imdb" if imdb else "letterboxd", 2, imdb, title, None, year, kind, 8.0, 8.0, None)


def test_rows_are_looked_up_as_their_type_and_episodes_not_at_all(emu: Emulator) -> None:
    client = DiscoverClient(emu.token, pace=100)
    show, how = resolve(client, _row("The Office", 2005, "tv_series", "tt0386676"))
    assert show is not None and show.type == "show" and how == "discover_imdb"
    film_id_as_show, why = resolve(client, _row("Die Hard", 1988, "tv_series", "tt0095016"))
    assert film_id_as_show is None and "not on Plex Discover" in why  # a film's id is not a show
    either, _ = resolve(client, _row("The Office", 2005, "other", "tt0386676"))  # unknown type: film, then show
    assert either is not None and either.type == "show"
    before = client.stats.requests
    assert resolve(client, _row("Pilot", 2005, "tv_episode", "tt0664521")) == (
        None, "episodes are not rated on Plex Discover")
    assert resolve(client, _row("Past Lives", None, "movie"))[0] is None  # no year: a search cannot be confirmed
    assert client.stats.requests == before  # neither sent anything
