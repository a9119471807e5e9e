"""Plex Home users through the emulator's plex.tv: listing, switching (PIN, 429, 401), the user's own server token,
per-user token storage, servers shared with a friend, and this installation's own client id."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator

import plexapi
import pytest
import requests

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.errors import AuthError, PlexConnectionError, UsageError
from ratings_to_plex.plex import acting, credentials, servers, users
from ratings_to_plex.plex.client import PlexClient
from tests.emulator_fixtures import plextv_emulator


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with plextv_emulator(monkeypatch, EmulatorConfig(movies=30, shows=2, episodes_per_show=2, seed=11)) as e:
        monkeypatch.delenv(acting.PIN_ENV, raising=False)
        credentials.save_token(e.token)
        e.ctx.users.retry_after_s = 0.05
        yield e


def test_home_users_listed_with_kind_and_pin(emu: Emulator) -> None:
    found = users.home_users(emu.token)
    assert [(u.title, u.kind, u.protected) for u in found] == [
        ("demo", "admin", False), ("Kid", "managed", False), ("Teen", "managed", True)]
    assert users.find_user(found, "kid").title == "Kid"
    with pytest.raises(UsageError, match="'demo', 'Kid', 'Teen'"):
        users.find_user(found, "nobody")


def test_target_is_the_users_own_server_token_and_it_writes_only_theirs(emu: Emulator) -> None:
    target = acting.resolve_target("Kid")
    kid = emu.ctx.users.by_ref("Kid")
    assert kid is not None and target.user_id == kid.uuid and target.user_name == "Kid"
    assert target.access_token == kid.server_token != emu.token
    assert target.server is not None and not target.server.owned and target.server.shared_by == "demo"
    owner_before = emu.state()
    client = PlexClient.connect(emu.url, target.access_token, verify=True)
    key = next(k for k, i in emu.library.items.items() if i.type == "movie")
    client.server.fetchItem(key).rate(4.0)
    assert emu.state() == owner_before
    assert emu.ctx.users.state_of(kid, emu.library)[key][0] == 4.0


def test_no_user_and_the_admin_by_name_are_the_account_itself(emu: Emulator) -> None:
    assert acting.resolve_target(None) == acting.UserTarget(None, "")
    assert acting.resolve_target("demo").user_id is None
    assert emu.counters.snapshot().get("POST /api/v2/home/users/{uuid}/switch", 0) == 0


def test_pin_needed_wrong_pin_and_right_pin(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(users.WrongPin, match="protected by a PIN"):
        acting.resolve_target("Teen")
    with pytest.raises(users.WrongPin, match="Wrong PIN for 'Teen'"):
        acting.resolve_target("Teen", "0000")
    asked: list[str] = []
    target = acting.resolve_target("teen", ask_pin=lambda u: asked.append(u.title) or "1234")
    assert asked == ["Teen"] and target.user_name == "Teen"
    monkeypatch.setenv(acting.PIN_ENV, "1234")
    users.TOKENS._tokens.clear()
    assert acting.resolve_target("Teen").user_name == "Teen"
    assert credentials.load_user_tokens() == {}  # a PIN-protected profile's token never goes to disk


def test_switch_once_then_cached_and_stored_0600(emu: Emulator) -> None:
    users.TOKENS._tokens.clear()
    for _ in range(3):
        acting.resolve_target("Kid")
    switches = emu.counters.snapshot().get("POST /api/v2/home/users/{uuid}/switch", 0)
    assert switches == 1
    stored = credentials.load_user_tokens()
    kid = emu.ctx.users.by_ref("Kid")
    assert kid is not None and list(stored.values()) == [kid.account_token]
    path = credentials.config_dir() / "user-tokens"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and kid.server_token not in path.read_text()
    users.TOKENS._tokens.clear()  # a new process: the stored token, no new switch
    acting.resolve_target("Kid")
    assert emu.counters.snapshot().get("POST /api/v2/home/users/{uuid}/switch", 0) == 1
    credentials.forget_token()  # logout forgets the Home users' tokens too
    assert credentials.load_user_tokens() == {}


def test_stale_stored_token_is_replaced_by_a_new_switch(emu: Emulator) -> None:
    users.TOKENS._tokens.clear()
    tokens = users.UserTokens()
    kid_user = users.find_user(users.home_users(emu.token), "Kid")
    credentials.save_user_token(users.UserTokens.key(emu.token, kid_user), "revoked-long-ago")
    found = acting.user_servers(kid_user, emu.token, None, tokens=tokens)
    kid = emu.ctx.users.by_ref("Kid")
    assert kid is not None and found[0].access_token == kid.server_token
    assert list(credentials.load_user_tokens().values()) == [kid.account_token]


def test_persisting_429_and_revoked_sign_in_stop_with_a_message(emu: Emulator) -> None:
    users.TOKENS._tokens.clear()
    emu.ctx.users.switch_limit = 0
    with pytest.raises(PlexConnectionError, match="limiting how often profiles can be switched"):
        acting.resolve_target("Kid")
    emu.ctx.users.switch_limit = 6
    emu.revoke_token()
    with pytest.raises(AuthError, match="rejected your token"):
        acting.resolve_target("Kid")


def test_a_user_without_the_server_is_refused_for_a_url(emu: Emulator) -> None:
    """--url of a server the user has no access to: an error, never the owner's token."""
    users.TOKENS._tokens.clear()
    target = acting.resolve_target("Kid", url=emu.url)
    kid = emu.ctx.users.by_ref("Kid")
    assert kid is not None and target.access_token == kid.server_token
    other_server = Emulator(EmulatorConfig(movies=2, shows=0, seed=99, token=emu.token))  # the owner's too
    with other_server as other, pytest.raises(AuthError, match="has no access to the server"):
        acting.resolve_target("Kid", url=other.url)


def test_friend_lists_the_shared_server_and_connects_with_their_own_token(emu: Emulator) -> None:
    friend = emu.ctx.users.by_ref("friend")
    assert friend is not None
    found = servers.list_servers(friend.account_token)
    assert [(s.name, s.owned, s.shared_by, s.label) for s in found] == [
        ("Plex Emulator", False, "demo", "Plex Emulator (shared by demo)")]
    assert found[0].to_json()["shared_by"] == "demo"
    client = servers.connect_server(None, friend.account_token)
    assert client.server._token == friend.server_token
    assert servers.owned_servers(friend.account_token) == []


def test_client_identifier_is_per_installation_and_sent(emu: Emulator) -> None:
    first = credentials.client_identifier()
    assert first == credentials.client_identifier() and first.startswith("ratings-to-plex-")
    assert plexapi.BASE_HEADERS["X-Plex-Client-Identifier"] == first
    assert (credentials.config_dir() / "client-id").read_text().strip() == first
    r = requests.get(f"{emu.url}/emulator/users", headers={"X-Plex-Token": emu.token}, timeout=5)
    assert {p["title"] for p in r.json()} == {"demo", "Kid", "Teen", "friend"}
    assert pin_client_id(emu) == first  # what plex.tv saw on our sign-in
    (credentials.config_dir() / "client-id").unlink()
    assert credentials.client_identifier() != first  # another installation, another id


def pin_client_id(emu: Emulator) -> str:
    """The client id plex.tv saw on a PIN created by our sign-in."""
    from ratings_to_plex.plex.session import PinLogin

    PinLogin().start()
    [pin] = emu.ctx.pins.values()
    return pin.client_id


def test_users_json_has_names_kinds_and_no_token(emu: Emulator) -> None:
    rows = [u.to_json() for u in users.home_users(emu.token)]
    text = json.dumps(rows)
    assert rows[2] == {"id": 2002, "uuid": rows[2]["uuid"], "name": "Teen", "username": "", "kind": "managed",
                       "admin": False, "managed": True, "pin_protected": True}
    assert emu.token not in text


def test_server_connections_carry_the_installation_id_too(emu: Emulator) -> None:
    """`--url` runs never talk to plex.tv: the server still sees this installation's id, not plexapi's default."""
    plexapi.BASE_HEADERS["X-Plex-Client-Identifier"] = "0x2fc00000001"  # plexapi's machine-derived default
    PlexClient.connect(emu.url, emu.token)
    stored = (credentials.config_dir() / "client-id").read_text().strip()
    assert plexapi.BASE_HEADERS["X-Plex-Client-Identifier"] == stored


def test_a_remembered_pin_protected_token_still_needs_the_right_pin(emu: Emulator) -> None:
    """In a long-running app the profile stays locked: a wrong or missing PIN is refused after a right one."""
    users.TOKENS._tokens.clear()
    assert acting.resolve_target("Teen", "1234").user_name == "Teen"
    assert acting.resolve_target("Teen", "1234").user_name == "Teen"  # remembered: no second switch
    assert emu.counters.snapshot().get("POST /api/v2/home/users/{uuid}/switch", 0) == 1
    with pytest.raises(users.WrongPin, match="Wrong PIN"):
        acting.resolve_target("Teen", "4321")
    with pytest.raises(users.WrongPin, match="protected by a PIN"):
        acting.resolve_target("Teen")


def test_a_pin_in_a_switch_url_is_redacted() -> None:
    from ratings_to_plex.security import redact

    assert redact("POST https://plex.tv/api/v2/home/users/u/switch?pin=1234 201") == \
        "POST https://plex.tv/api/v2/home/users/u/switch?pin=[REDACTED] 201"
    assert redact("?spin=3&pin=99&b=1") == "?spin=3&pin=[REDACTED]&b=1"
