"""PIN sign-in, the account's servers and reaching one: in-process, and `login` as a real subprocess whose browser
is a stub script and whose plex.tv is the emulator."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ratings_to_plex.app import account
from ratings_to_plex.config import save_config
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.errors import AuthError, PlexConnectionError, UsageError
from ratings_to_plex.plex import credentials, session
from ratings_to_plex.plex.plextv import PLEXTV_ENV
from tests.emulator_fixtures import plextv_emulator
from tests.net_support import closed_port


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with plextv_emulator(monkeypatch, EmulatorConfig(demo=True, extra_resources=1)) as e:
        yield e


# -- in-process ------------------------------------------------------------------------------------------------
def test_pin_login_returns_the_token_once_approved(emu: Emulator) -> None:
    login = session.PinLogin()
    url = login.start()
    assert url.startswith("https://app.plex.tv/auth/#!?") and "code=" in url
    assert "product%5D=ratings-to-plex&" in url  # the approval page names us, not "PlexAPI"
    ticks: list[float] = []
    threading.Timer(0.3, emu.approve_all_pins).start()
    assert login.wait(20, on_tick=ticks.append, poll_s=0.1) == emu.token
    assert ticks and ticks[0] <= 20


def test_pin_login_expiry_and_timeout_and_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    with Emulator(EmulatorConfig(demo=True, pin_expires_s=1)) as emu:
        monkeypatch.setenv(PLEXTV_ENV, emu.url)
        with pytest.raises(session.LoginExpired, match="expired"):
            session.PinLogin().wait(20, poll_s=0.1)
        with pytest.raises(session.LoginTimedOut, match="No approval within"):
            session.PinLogin().wait(0.3, poll_s=0.1)
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        with pytest.raises(session.LoginCancelled):
            session.PinLogin().wait(20, cancel=cancel, poll_s=5)


def test_unreachable_plextv_is_a_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PLEXTV_ENV, f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(PlexConnectionError, match=r"Cannot reach plex\.tv"):
        session.PinLogin().start()


def test_owned_servers_leave_out_friends_and_players(emu: Emulator) -> None:
    servers = session.owned_servers(emu.token)
    assert [s.name for s in servers] == ["Plex Emulator"]
    assert servers[0].connections == (emu.url,)
    assert servers[0].client_identifier == emu.machine_identifier
    assert set(servers[0].to_json()) == {"name", "client_identifier", "platform", "version", "owned", "shared_by",
                                         "connections"}
    listed = session.list_servers(emu.token)  # `servers` also shows the ones shared with the account
    assert [(s.label, s.owned) for s in listed] == [("Plex Emulator", True),
                                                   ("Friend's Server 1 (shared by friend)", False)]


def test_rejected_token_is_an_auth_error(emu: Emulator) -> None:
    with pytest.raises(AuthError, match="rejected the token") as info:
        session.owned_servers("not-the-token")
    assert "not-the-token" not in str(info.value)


def test_not_signed_in() -> None:
    with pytest.raises(AuthError, match="login"):
        session.connect_server(None)


def test_connect_server_uses_stored_token_and_remembered_name(emu: Emulator) -> None:
    credentials.save_token(emu.token)
    client = session.connect_server(None)  # the only owned server
    assert client.url == emu.url and [s.title for s in client.sections()][:2] == ["Movies", "TV Shows"]
    with pytest.raises(UsageError, match="remembered from your last run"):
        session.connect_server(None, remembered="No Such Server")  # plex/ reads no settings: app/ passes them
    assert session.connect_server("plex emulator").url == emu.url  # case-insensitive


def test_select_server_needs_a_choice_among_several() -> None:
    a = session.ServerInfo("A", "id-a", True, ())
    b = session.ServerInfo("B", "id-b", True, ())
    with pytest.raises(UsageError, match="'A', 'B'"):
        session.select_server([a, b], None)
    assert session.select_server([a, b], "id-b") is b
    assert session.select_server([a, b], None, remembered="b") is b
    save_config({"server": "b"})
    assert account.select_server([a, b], None) is b  # the app layer reads the remembered one


def test_unreachable_server_names_it_and_its_addresses() -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    info = session.ServerInfo("Attic", "x", True, (dead,), access_token="t0k3n-value")
    started = time.monotonic()
    with pytest.raises(PlexConnectionError, match=r"Could not reach your server 'Attic' at any of its addresses: "
                                                  + dead):
        session.reachable_url(info, timeout=2)
    assert time.monotonic() - started < 5


def test_best_reachable_address_wins(emu: Emulator) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    info = session.owned_servers(emu.token)[0]
    info.connections = (dead, emu.url)
    assert session.reachable_url(info, timeout=2) == emu.url


def test_prefetch_servers_fills_libraries(emu: Emulator) -> None:
    own, shared = session.prefetch_servers(emu.token)
    assert own.error is None and own.libraries is not None
    assert {s.title for s in own.libraries} >= {"Movies", "TV Shows"}
    # the emulator's stand-in for a friend's server answers as another machine: reported, not fatal
    assert not shared.owned and shared.libraries is None
    assert shared.error is not None
    assert "Could not reach the server \"Friend's Server 1 (shared by friend)\"" in shared.error


# -- `login` as a person runs it: a real process, a (stub) browser ------------------------------------------------
def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ratings_to_plex", *args]


def _stub_browser(tmp_path: Path) -> tuple[str, Path]:
    record = tmp_path / "browser-url.txt"
    script = tmp_path / "fake-browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{record}"\n')
    script.chmod(0o755)
    return str(script), record


@pytest.fixture
def cli_env(emu: Emulator, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)  # carries the isolated RATINGS_TO_PLEX_*_DIR and the emulator's plex.tv
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["BROWSER"], _ = _stub_browser(tmp_path)
    env.pop("DISPLAY", None)
    return env


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        if proc.poll() is not None:
            raise AssertionError(f"login ended early ({proc.returncode}): {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


@pytest.mark.skipif(os.name != "posix", reason="stub browser is a shell script")
def test_login_subprocess_opens_browser_and_stores_token(emu: Emulator, cli_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    proc = subprocess.Popen(_cli("login", "--timeout", "60"), env=cli_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = _wait_for(tmp_path / "browser-url.txt", proc)
        assert url.startswith("https://app.plex.tv/auth/#!?") and "code=" in url
        requests.post(f"{emu.url}/emulator/pins/approve-all", headers={"X-Plex-Token": emu.token}, timeout=5)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"Open this URL to sign in: {url}" in out
    token_file = tmp_path / "config" / "token"
    assert f"Signed in as demo. Token stored in {token_file}" in out
    assert "Plex Emulator" in out and "Traceback" not in err
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == emu.token
    assert emu.token not in out + err

    logout = subprocess.run(_cli("logout"), env=cli_env, capture_output=True, text=True, timeout=60)
    assert logout.returncode == 0 and str(token_file) in logout.stdout and "removed" in logout.stdout
    assert not token_file.exists()
    again = subprocess.run(_cli("logout"), env=cli_env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "not signed in" in again.stdout


def test_login_no_browser_and_pin_expiry(cli_env: dict[str, str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with Emulator(EmulatorConfig(demo=True, pin_expires_s=2)) as short:
        cli_env[PLEXTV_ENV] = short.url
        proc = subprocess.run(_cli("login", "--no-browser", "--timeout", "60"), env=cli_env, capture_output=True,
                              text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "Open this URL to sign in: https://app.plex.tv/auth/" in proc.stdout
    assert "error: The sign-in request expired before it was approved" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "browser-url.txt").exists()  # --no-browser: nothing opened
    assert not (tmp_path / "config" / "token").exists()
