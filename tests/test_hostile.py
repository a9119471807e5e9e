"""A hostile server (emulator/hostile.py) cannot take the token elsewhere, exhaust memory, hang a request, or pass off
a broken reply as a bug of ours: each attack ends in seconds with a server error (exit 3) that says what happened."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator

import pytest
import requests

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.emulator.hostile import Attack, Hostile, TokenTrap
from ratings_to_plex.errors import PlexConnectionError
from ratings_to_plex.plex.client import PlexClient, RetryPolicy, make_session
from ratings_to_plex.plex.items import LibraryItem
from ratings_to_plex.plex.plextv import PLEXTV_ENV, plextv_session

TOKEN = "HOSTILE-test-token-0123456789"
FAST = RetryPolicy(attempts=2, backoff_s=0.01, timeout_s=2, deadline_s=3)
LISTING = "/library/sections/1/all?type=1"


@pytest.fixture(name="emu")
def hostile_emu() -> Iterator[Emulator]:
    """`emu`: the small library the hostile tests attack, with a token they can look for in every message (named
    apart so that test_hostile_writes can import it without its tests' `emu` argument shadowing the import)."""
    with Emulator(EmulatorConfig(movies=40, shows=0, seed=7, token=TOKEN)) as e:
        yield e


@pytest.fixture
def client(emu: Emulator) -> PlexClient:
    return PlexClient.connect(emu.url, emu.token, retry=FAST)


def _fails(client: PlexClient, path: str = LISTING) -> tuple[str, float]:
    """Send one listing request that must fail as a server error; its message and how long it took."""
    started = time.monotonic()
    with pytest.raises(PlexConnectionError) as caught:
        client.get(path, start=0, size=50)
    message = str(caught.value)
    assert caught.value.exit_code == 3 and "bug" not in message.lower() and TOKEN not in message
    return message, time.monotonic() - started


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_redirect_to_another_host_is_refused_and_the_token_stays_home(emu: Emulator, client: PlexClient) -> None:
    with TokenTrap() as trap:
        emu.faults.hostile = Hostile(Attack.REDIRECT, paths=("/:/rate", "/library/sections"), target=trap.url)
        message, _ = _fails(client)
        assert f"redirected to {trap.url}/library/sections/1/all" in message
        with pytest.raises(PlexConnectionError, match="redirected to"):
            client.rate(100, "movie", 8.0)
        emu.faults.hostile = Hostile(Attack.REDIRECT, paths=("/",), target=trap.url)
        with pytest.raises(PlexConnectionError, match="redirected to"):
            PlexClient.connect(emu.url, emu.token, retry=FAST)
    assert trap.tokens == [] and trap.paths == []
    assert emu.state()[100].user_rating is None


def test_a_redirect_within_the_same_server_is_followed(emu: Emulator, client: PlexClient) -> None:
    emu.faults.hostile = Hostile(Attack.REDIRECT, paths=("/library/sections",), target=emu.url, times=1)
    assert len(client.get(LISTING, start=0, size=50)) == 40


def test_plextv_calls_refuse_a_redirect_elsewhere_too(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PLEXTV_ENV, emu.url)
    with TokenTrap() as trap:
        emu.faults.hostile = Hostile(Attack.REDIRECT, paths=("/api/v2/",), target=trap.url)
        with pytest.raises(PlexConnectionError, match="redirected to"):
            plextv_session().get("https://plex.tv/api/v2/user", headers={"X-Plex-Token": TOKEN}, timeout=5)
    assert trap.tokens == []


@pytest.mark.parametrize("attack", [Attack.HUGE, Attack.ENDLESS])
def test_a_gigabyte_or_endless_reply_is_refused_without_reading_it(emu: Emulator, client: PlexClient,
                                                                    attack: Attack) -> None:
    emu.faults.hostile = Hostile(attack, paths=("/library/sections",), size=2**30)
    peak = _peak_rss_mb()
    message, took = _fails(client)
    assert "MB in one reply" in message and took < 5
    assert _peak_rss_mb() - peak < 150  # the cap is 32 MB
    assert emu.faults.hostile.hits == 1  # refused, not asked again


@pytest.mark.parametrize("attack", [Attack.TRICKLE, Attack.TRICKLE_HEAD])
def test_a_trickled_reply_ends_at_the_deadline(emu: Emulator, client: PlexClient, attack: Attack) -> None:
    """One byte every 0.5 s (of the body, or of the headers) never trips the 2 s read timeout; the 3 s deadline for
    the whole request does."""
    emu.faults.hostile = Hostile(attack, paths=("/library/sections",), interval_s=0.5)
    message, took = _fails(client)
    assert "took longer than 3 s" in message and 2.9 < took < 4.5
    assert emu.faults.hostile.hits == 1  # not asked again: the deadline covers every retry


@pytest.mark.parametrize(("attack", "says"), [
    (Attack.MALFORMED, "not valid Plex XML"),
    (Attack.HTML, "web page instead of Plex data"),
    (Attack.TRUNCATED, "cut its answer short"),
])
def test_a_broken_reply_is_a_server_error_asked_again(emu: Emulator, client: PlexClient, attack: Attack,
                                                      says: str) -> None:
    emu.faults.hostile = Hostile(attack, paths=("/library/sections",))
    message, took = _fails(client)
    assert says in message and took < 5
    assert emu.faults.hostile.hits == 3  # a read is worth asking again, a few times
    emu.faults.hostile = Hostile(attack, paths=("/library/sections",), times=1)
    assert len(client.get(LISTING, start=0, size=50)) == 40  # one bad answer: the next one is used


def test_a_non_numeric_rating_key_is_a_server_error(emu: Emulator, client: PlexClient) -> None:
    emu.faults.hostile = Hostile(Attack.BAD_RATING_KEY, paths=("/library/sections",))
    root = client.get(LISTING, start=0, size=50)
    with pytest.raises(PlexConnectionError, match="ratingKey is not a number") as caught:
        [LibraryItem.from_element(el, 1) for el in root]
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be"])
def test_entities_are_refused_by_the_xml_parser(emu: Emulator, client: PlexClient, encoding: str) -> None:
    """A reply declaring entities (billion laughs) is refused, not expanded by the local expat — in UTF-16 too."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY l0 "lol">{laughs}]><MediaContainer title="&l9;"/>'
    emu.faults.hostile = Hostile(Attack.RAW, paths=("/library/sections",), body=bomb.encode(encoding))
    peak = _peak_rss_mb()
    message, _ = _fails(client)
    assert "not valid Plex XML" in message and _peak_rss_mb() - peak < 50


@pytest.mark.parametrize(("here", "location", "followed"), [
    ("http://nas:32400/library/sections", "/library/sections/", True),
    ("http://nas:32400/a", "http://nas:32400/b", True),
    ("http://nas/a", "http://nas:80/b", True),
    ("https://nas:32400/a", "http://nas:32400/a", False),  # https → http would send the token in clear
    ("http://nas:32400/a", "https://nas:32400/a", False),  # another port: another origin
    ("http://nas:32400/a", "http://nas:32401/a", False),
    ("http://nas:32400/a", "//evil.example/a", False),
    ("http://nas:32400/a", "http://user:pw@evil.example/a", False),
    ("https://plex.tv/api/v2/user", "https://clients.plex.tv/api/v2/user", True),
    ("https://plex.tv/api/v2/user", "https://plex.tv.evil.example/api", False),
])
def test_only_same_origin_redirects_are_followed(here: str, location: str, followed: bool) -> None:
    response = requests.Response()
    response.url, response.status_code, response.headers["Location"] = here, 307, location
    session = make_session()
    if followed:
        assert session.get_redirect_target(response) == location
    else:
        with pytest.raises(PlexConnectionError, match="redirected to") as caught:
            session.get_redirect_target(response)
        assert "pw" not in str(caught.value)


def test_through_a_proxy_a_trickled_head_also_ends_at_the_deadline(emu: Emulator,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`HTTP_PROXY` set: requests go through the proxy's own connection pool, which the deadline did not watch — a
    server trickling its headers held the request for as long as it liked."""
    from .net_support import forwarding_proxy

    with forwarding_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = PlexClient.connect(emu.url, emu.token, retry=FAST)
        emu.faults.hostile = Hostile(Attack.TRICKLE_HEAD, paths=("/library/sections",), interval_s=0.5)
        message, took = _fails(client)
        assert "took longer than 3 s" in message and 2.9 < took < 4.5
        assert any(line.startswith(f"GET {emu.url}/library/sections") for line in forwarding_proxy.seen)  # type: ignore[attr-defined]
