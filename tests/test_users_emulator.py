"""The emulator's household through unmodified plexapi: Home users, switching (PIN, 429), per-user state, a friend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from plexapi.exceptions import BadRequest, Unauthorized
from plexapi.myplex import MyPlexAccount
from plexapi.server import PlexServer

from ratings_to_plex.emulator import Emulator, EmulatorConfig

from .emulator_fixtures import plextv_session


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(movies=40, shows=2, episodes_per_show=3, seed=7)) as e:
        yield e


def owner_account(e: Emulator) -> MyPlexAccount:
    return MyPlexAccount(token=e.token, session=plextv_session(e.url))


def first_movie_key(e: Emulator) -> int:
    return next(k for k, i in e.library.items.items() if i.type == "movie")


def test_plexapi_lists_home_users_and_friends(emu: Emulator) -> None:
    users = owner_account(emu).users()
    assert [(u.title, u.home, u.protected, u.restricted) for u in users] == [
        ("Kid", True, False, "1"), ("Teen", True, True, "1"), ("friend", False, False, "0")]
    assert all(u.servers[0].machineIdentifier == emu.machine_identifier for u in users)


def test_switch_then_rate_writes_only_that_users_rating(emu: Emulator) -> None:
    owner_before = emu.state()
    teen = emu.ctx.users.by_ref("Teen")
    assert teen is not None
    teen_before = emu.ctx.users.state_of(teen, emu.library)
    kid = owner_account(emu).switchHomeUser("Kid")
    assert kid.title == "Kid" and kid.authToken != emu.token
    [resource] = kid.resources()
    assert (resource.owned, resource.home, resource.sourceTitle) == (False, True, "demo")
    assert resource.accessToken not in (emu.token, kid.authToken)
    plex = resource.connect()
    key = first_movie_key(emu)
    movie = plex.fetchItem(key)
    movie.rate(3.0)
    assert plex.fetchItem(key).userRating == 3.0
    assert emu.state() == owner_before  # the owner's ratings: untouched, item for item
    assert emu.ctx.users.state_of(teen, emu.library) == teen_before
    kid_person = emu.ctx.users.by_ref("Kid")
    assert kid_person is not None and emu.ctx.users.state_of(kid_person, emu.library)[key] == (3.0, 0)


def test_pin_protected_user_needs_the_right_pin(emu: Emulator) -> None:
    account = owner_account(emu)
    with pytest.raises(Unauthorized):
        account.switchHomeUser("Teen")
    with pytest.raises(Unauthorized):
        account.switchHomeUser("Teen", pin="0000")
    assert account.switchHomeUser("Teen", pin="1234").title == "Teen"
    v2 = requests.post(f"{emu.url}/api/v2/home/users/{emu.ctx.users.people[1].uuid}/switch?pin=9",
                       headers={"X-Plex-Token": emu.token, "Accept": "application/json"}, timeout=5)
    assert v2.status_code == 403 and "PIN" in v2.text


def test_switching_too_fast_is_429_with_retry_after(emu: Emulator) -> None:
    emu.ctx.users.switch_limit = 2
    account = owner_account(emu)
    account.switchHomeUser("Kid")
    account.switchHomeUser("Kid")
    url = f"{emu.url}/api/v2/home/users/{emu.ctx.users.people[0].uuid}/switch"
    r = requests.post(url, headers={"X-Plex-Token": emu.token, "Accept": "application/json"}, timeout=5)
    assert r.status_code == 429 and float(r.headers["Retry-After"]) > 0
    with pytest.raises(BadRequest):
        account.switchHomeUser("Kid")


def test_tokens_are_strict_per_side(emu: Emulator) -> None:
    """A user's plex.tv token opens no server, a server token opens no plex.tv, the friend is not in the Home."""
    kid, friend = emu.ctx.users.by_ref("Kid"), emu.ctx.users.by_ref("friend")
    assert kid is not None and friend is not None
    with pytest.raises(Unauthorized):
        PlexServer(emu.url, kid.account_token, session=requests.Session())
    with pytest.raises(Unauthorized):
        MyPlexAccount(token=kid.server_token, session=plextv_session(emu.url))
    mine = MyPlexAccount(token=friend.account_token, session=plextv_session(emu.url))
    assert mine.username == "friend"
    [shared] = mine.resources()
    assert (shared.owned, shared.home, shared.accessToken) == (False, False, friend.server_token)
    r = requests.post(f"{emu.url}/api/v2/home/users/{kid.uuid}/switch",
                      headers={"X-Plex-Token": friend.account_token}, timeout=5)
    assert r.status_code == 404


def test_friend_writes_their_own_rating_on_the_shared_server(emu: Emulator) -> None:
    friend = emu.ctx.users.by_ref("friend")
    assert friend is not None
    owner_before = emu.state()
    plex = MyPlexAccount(token=friend.account_token, session=plextv_session(emu.url)).resources()[0].connect()
    key = first_movie_key(emu)
    plex.fetchItem(key).rate(9.0)
    plex.fetchItem(key).markPlayed()
    assert emu.state() == owner_before
    assert emu.ctx.users.state_of(friend, emu.library)[key] == (9.0, 1)
    r = requests.get(f"{emu.url}/emulator/state?user=friend", headers={"X-Plex-Token": emu.token}, timeout=5)
    assert r.json()[str(key)] == {"user_rating": 9.0, "view_count": 1}
