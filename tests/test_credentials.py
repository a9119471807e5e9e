"""Token storage (keyring or a 0600 file), remembered settings, and the plex.tv redirect."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
import requests
from keyring.backend import KeyringBackend
from keyring.backends import fail

from ratings_to_plex import config
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plex import credentials, plextv
from ratings_to_plex.security import redact

TOKEN = "stored-token-abcdef123456"
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


class MemoryKeyring(KeyringBackend):
    """A working keyring that lives in a dict."""

    priority = 1  # type: ignore[assignment]
    fail_on_set = False

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_on_set:
            raise keyring.errors.PasswordSetError("locked")
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(fail.Keyring())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- file backend (the fail keyring is what conftest sets) ---------------------------------------------------
@posix_only
def test_file_backend_round_trip_with_private_mode() -> None:
    where = credentials.save_token(TOKEN)
    path = credentials.token_path()
    assert where == str(path)
    assert mode(path) == 0o600
    assert path.read_text().strip() == TOKEN
    assert credentials.load_token() == TOKEN
    assert TOKEN not in redact(f"token={TOKEN}")  # registered for redaction
    assert credentials.forget_token() != []
    assert not path.exists()
    assert credentials.load_token() is None
    assert credentials.forget_token() == []


@posix_only
def test_wide_token_file_is_tightened_on_load() -> None:
    path = credentials.token_path()
    path.write_text(TOKEN + "\n")
    path.chmod(0o644)
    assert credentials.load_token() == TOKEN
    assert mode(path) == 0o600


@posix_only
def test_save_replaces_a_wide_existing_file_with_a_private_one() -> None:
    path = credentials.token_path()
    path.write_text("old\n")
    path.chmod(0o666)
    credentials.save_token(TOKEN)
    assert mode(path) == 0o600 and path.read_text().strip() == TOKEN
    assert not list(path.parent.glob(".token.*"))  # no temp file left behind


def test_empty_token_is_refused() -> None:
    with pytest.raises(Exception, match="empty token"):
        credentials.save_token("  ")


# -- a working keyring -----------------------------------------------------------------------------------------
def test_keyring_is_used_when_it_works(memory_keyring: MemoryKeyring) -> None:
    credentials.token_path().write_text("stale\n")
    where = credentials.save_token(TOKEN)
    assert where.startswith("the system keyring")
    assert memory_keyring.store == {(credentials.SERVICE, credentials.USERNAME): TOKEN}
    assert not credentials.token_path().exists()  # the stale file copy is gone
    assert credentials.load_token() == TOKEN
    assert credentials.forget_token() == [where]
    assert credentials.load_token() is None


def test_locked_keyring_falls_back_to_the_file(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.fail_on_set = True
    where = credentials.save_token(TOKEN)
    assert where == str(credentials.token_path())
    assert credentials.load_token() == TOKEN


def test_null_and_fail_backends_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import null

    keyring.set_keyring(null.Keyring())
    try:
        assert credentials.save_token(TOKEN) == str(credentials.token_path())
    finally:
        keyring.set_keyring(fail.Keyring())


# -- remembered settings ---------------------------------------------------------------------------------------
def test_config_merges_and_removes() -> None:
    assert config.load_config() == {}
    config.save_config({"server": "Home", "libraries": ("Movies", "TV Shows")})
    config.save_config({"policy": "newer", "server": None})
    assert config.load_config() == {"libraries": ["Movies", "TV Shows"], "policy": "newer"}
    config.remember(server="Den", libraries=None)
    assert config.load_config()["server"] == "Den"


def test_config_never_holds_a_token() -> None:
    with pytest.raises(ValueError):
        config.save_config({"token": TOKEN})
    config.config_path().write_text('token = "x"\nserver = "Home"\n')
    assert config.load_config() == {"server": "Home"}


def test_broken_config_is_ignored_and_kept_aside() -> None:
    path = config.config_path()
    path.write_text("server = [unclosed\n")
    assert config.load_config() == {}
    config.save_config({"server": "Home"})
    assert config.load_config() == {"server": "Home"}
    assert path.with_name("config.toml.bad").read_text() == "server = [unclosed\n"


# -- plex.tv redirect ------------------------------------------------------------------------------------------
def test_plextv_base_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(plextv.PLEXTV_ENV, raising=False)
    assert plextv.plextv_base() == "https://plex.tv"
    monkeypatch.setenv(plextv.PLEXTV_ENV, "http://127.0.0.1:9/")
    assert plextv.plextv_base() == "http://127.0.0.1:9"


def test_plextv_session_rewrites_only_plex_tv(monkeypatch: pytest.MonkeyPatch) -> None:
    with Emulator(EmulatorConfig(movies=1, shows=0)) as emu:
        monkeypatch.setenv(plextv.PLEXTV_ENV, emu.url)
        session = plextv.plextv_session()
        response = session.get("https://plex.tv/api/v2/user", headers={"X-Plex-Token": emu.token}, timeout=5)
        assert response.status_code == 200 and response.url.startswith(emu.url)
        assert "<user " in response.text
        direct = session.get(emu.url + "/identity", headers={"X-Plex-Token": emu.token}, timeout=5)
        assert direct.status_code == 200


def test_rewriting_adapter_leaves_lookalike_hosts_alone() -> None:
    seen: list[str] = []

    class Inner(requests.adapters.HTTPAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            seen.append(str(request.url))
            return requests.Response()

    adapter = plextv._RewritingAdapter("http://127.0.0.1:1", Inner())
    for url in ("https://plex.tv/api/v2/pins?strong=True", "https://plex.tvx.example/a"):
        adapter.send(requests.Request("GET", url).prepare())
    assert seen == ["http://127.0.0.1:1/api/v2/pins?strong=True", "https://plex.tvx.example/a"]
