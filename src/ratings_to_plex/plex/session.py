"""The account side of Plex, shared by the CLI and the GUI: PIN sign-in, the user's servers, reaching one of them.

Every plex.tv call goes through `plextv_session()` (so `RATINGS_TO_PLEX_PLEXTV_URL` can point it at the emulator);
every server connection ends up as our own `PlexClient`, with its retrying session.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import requests
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin

from ..config import load_config
from ..errors import AuthError, PlexConnectionError, PlexError, RatingsToPlexError, UsageError
from ..security import register_secret
from .client import PlexClient, Section
from .credentials import load_token
from .plextv import PLEXTV_RETRY, plextv_errors, plextv_session

CONNECT_TIMEOUT_S: Final = 10.0
LOGIN_TIMEOUT_S: Final = 300.0
_POLL_S: Final = 1.0
_POLL_FAILURES: Final = 5  # consecutive network failures while polling before we give up


class LoginExpired(AuthError):
    """Raised when plex.tv forgets the PIN (it expired or was used) before the user approved it."""


class LoginTimedOut(AuthError):
    """Raised when our own wait (`--timeout`) ends before the user approved the sign-in."""


class LoginCancelled(RatingsToPlexError):
    """Raised when the user (Ctrl-C, the GUI's Cancel) stops waiting for approval."""

    exit_code = 130


@dataclass
class ServerInfo:
    """One of the user's servers as plex.tv lists it; `connections` are candidate URLs, best first."""

    name: str
    client_identifier: str
    owned: bool
    connections: tuple[str, ...]
    platform: str = ""
    version: str = ""
    access_token: str = field(default="", repr=False, compare=False)
    libraries: list[Section] | None = None  # filled by prefetch_servers
    error: str | None = None  # why prefetch_servers could not list the libraries

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "client_identifier": self.client_identifier, "platform": self.platform,
                "version": self.version, "owned": self.owned, "connections": list(self.connections)}


# -- sign-in ------------------------------------------------------------------------------------------------
class PinLogin:
    """One PIN (OAuth) sign-in: `start()` gives the URL to open, `wait()` returns the token once approved.

    We poll ourselves rather than use plexapi's thread so that we can show a countdown, tell "expired" from
    "network down", and stop at once on Ctrl-C or a GUI Cancel.
    """

    def __init__(self, *, verify: bool = True) -> None:
        from .. import __version__

        # Name ourselves on plex.tv's approval page (plexapi would say "PlexAPI"); the client id stays plexapi's.
        headers = {"X-Plex-Product": "ratings-to-plex", "X-Plex-Version": __version__}
        self._pin = MyPlexPinLogin(oauth=True, session=plextv_session(verify), headers=headers,
                                   requestTimeout=PLEXTV_RETRY.timeout_s)
        self.url: str | None = None

    def start(self) -> str:
        """Ask plex.tv for a PIN; returns the sign-in URL for the browser."""
        with plextv_errors():
            self.url = str(self._pin.oauthUrl())
        return self.url

    def check(self) -> str | None:
        """One poll: the token once approved, None while pending; raises LoginExpired."""
        try:
            with plextv_errors():
                approved = self._pin._checkLogin()  # public checkLogin() hides *why* a poll failed
        except PlexConnectionError:
            raise
        except PlexError as exc:  # plex.tv answers 404 for a PIN that expired or was used
            raise LoginExpired("The sign-in request expired before it was approved. "
                               "Run `ratings-to-plex login` again.") from exc
        if not approved:
            return None
        token = str(self._pin.token)
        register_secret(token)
        return token

    def wait(self, timeout: float = LOGIN_TIMEOUT_S, *, on_tick: Callable[[float], None] | None = None,
             cancel: threading.Event | None = None, poll_s: float = _POLL_S) -> str:
        """Poll until approved; `on_tick(seconds_left)` runs before each poll. Raises LoginTimedOut/Cancelled."""
        if self.url is None:
            self.start()
        stop = cancel or threading.Event()
        deadline = time.monotonic() + timeout
        failures = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoginTimedOut(f"No approval within {timeout:.0f} s. Run `ratings-to-plex login` again "
                                    "(add --timeout for more time).")
            if stop.is_set():
                raise LoginCancelled("Sign-in cancelled.")
            if on_tick is not None:
                on_tick(left)
            try:
                token = self.check()
                failures = 0
            except PlexConnectionError:
                failures += 1
                if failures >= _POLL_FAILURES:
                    raise
                token = None
            if token:
                return token
            stop.wait(min(poll_s, left))


def can_open_browser() -> bool:
    """True when opening a browser will show a page to the user, not start a text browser in our terminal."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False  # headless: webbrowser would fall back to lynx/w3m on this very terminal
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def open_browser(url: str) -> bool:
    """Open `url` in the user's browser (respects $BROWSER) without waiting for it; False when there is none."""
    if not can_open_browser():
        return False
    threading.Thread(target=_open_quietly, args=(url,), name="open-browser", daemon=True).start()
    return True


def _open_quietly(url: str) -> None:
    with contextlib.suppress(Exception):  # a broken $BROWSER must not stop the sign-in: the URL is printed
        webbrowser.open(url)


# -- account and servers ------------------------------------------------------------------------------------
def account(token: str, *, verify: bool = True) -> MyPlexAccount:
    """The plex.tv account of `token`; raises AuthError when plex.tv rejects it."""
    register_secret(token)
    with plextv_errors():
        return MyPlexAccount(token=token, session=plextv_session(verify), timeout=PLEXTV_RETRY.timeout_s)


def owned_servers(token: str | None = None, *, verify: bool = True,
                  plex_account: MyPlexAccount | None = None) -> list[ServerInfo]:
    """The user's own Plex Media Servers (players and friends' shared servers left out)."""
    token = _require_token(token) if plex_account is None else token
    acct = plex_account or account(str(token), verify=verify)
    with plextv_errors():
        resources = acct.resources()
    servers = []
    for res in resources:
        if "server" not in (res.provides or "").split(",") or not res.owned:
            continue
        access = res.accessToken or token or ""
        register_secret(access)
        urls = list(dict.fromkeys(res.preferred_connections()))  # uri and http://address:port often coincide
        servers.append(ServerInfo(res.name or "", res.clientIdentifier or "", True, tuple(urls),
                                  res.platform or "", res.productVersion or "", access))
    return servers


def select_server(servers: list[ServerInfo], name: str | None) -> ServerInfo:
    """The server called `name` (case-insensitive, or its identifier); None → remembered, else the only one."""
    remembered = False
    if name is None:
        name = load_config().get("server") or None
        remembered = name is not None
    names = ", ".join(repr(s.name) for s in servers) or "(none)"
    if name is None:
        if len(servers) == 1:
            return servers[0]
        if not servers:
            raise UsageError("Your Plex account has no server of its own. Pass --url and --token to use another "
                             "server.")
        raise UsageError(f"You have several servers: choose one with --server (one of: {names}).")
    wanted = str(name).casefold()
    for server in servers:
        if server.name.casefold() == wanted or server.client_identifier.casefold() == wanted:
            return server
    where = " (remembered from your last run)" if remembered else ""
    raise UsageError(f"No server named {name!r}{where} in your Plex account: choose one of {names} with --server.")


def connect_server(name: str | None = None, token: str | None = None, *, verify: bool = True,
                   pool_size: int = 16, timeout: float = CONNECT_TIMEOUT_S,
                   servers: list[ServerInfo] | None = None) -> PlexClient:
    """Reach one of the user's servers through the first of its addresses that answers (local → remote → relay)."""
    chosen = select_server(servers if servers is not None else owned_servers(token, verify=verify), name)
    url = reachable_url(chosen, verify=verify, timeout=timeout)
    return PlexClient.connect(url, chosen.access_token or _require_token(token), verify=verify,
                              pool_size=pool_size)


def reachable_url(server: ServerInfo, *, verify: bool = True, timeout: float = CONNECT_TIMEOUT_S) -> str:
    """Probe every address at once; the best-ranked one that answers as this server wins (we wait no longer
    than needed for the better-ranked ones)."""
    if not server.connections:
        raise PlexConnectionError(f"plex.tv lists no address for your server {server.name!r}: is it online and "
                                  "signed in? You can also pass --url.")
    probe = requests.Session()
    probe.verify = verify
    pool = ThreadPoolExecutor(max_workers=min(8, len(server.connections)), thread_name_prefix="probe")
    futures = [pool.submit(_answers, probe, url, server, timeout) for url in server.connections]
    try:
        for url, future in zip(server.connections, futures, strict=True):
            if future.result():
                return url
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # slower, worse-ranked probes finish on their own
    raise PlexConnectionError(f"Could not reach your server {server.name!r} at any of its addresses: "
                              f"{', '.join(server.connections)}. Is it running? You can also pass --url.")


def _answers(session: requests.Session, url: str, server: ServerInfo, timeout: float) -> bool:
    """True when `url` is this server (or at least a Plex server that wants a token: the real connect says why)."""
    try:
        response = session.get(url.rstrip("/") + "/identity", timeout=timeout,
                               headers={"X-Plex-Token": server.access_token, "Accept": "application/xml"})
    except requests.RequestException:
        return False
    if response.status_code == 401:
        return True
    if response.status_code != 200:
        return False
    machine = _machine_identifier(response.text)
    return not machine or not server.client_identifier or machine == server.client_identifier


def _machine_identifier(body: str) -> str:
    from xml.etree import ElementTree

    try:
        return ElementTree.fromstring(body).attrib.get("machineIdentifier", "")
    except ElementTree.ParseError:
        return ""


def _require_token(token: str | None) -> str:
    token = token or load_token()
    if not token:
        raise AuthError("Not signed in: run `ratings-to-plex login` first, or pass --url and --token.")
    register_secret(token)
    return token


# -- libraries ----------------------------------------------------------------------------------------------
def list_libraries(client: PlexClient) -> list[Section]:
    """Every library section of the server (music and photo ones too; sync uses the movie and TV ones)."""
    return client.sections()


def remembered_libraries(client: PlexClient) -> tuple[str, ...]:
    """The libraries chosen last time that this server still has (by title or key), in the remembered order."""
    wanted = load_config().get("libraries") or []
    if not isinstance(wanted, list):
        return ()
    present = {s.title.casefold() for s in client.sections()} | {str(s.key) for s in client.sections()}
    return tuple(str(w) for w in wanted if str(w).casefold() in present or str(w) in present)


def prefetch_servers(token: str | None = None, *, verify: bool = True, timeout: float = CONNECT_TIMEOUT_S,
                     workers: int = 4) -> list[ServerInfo]:
    """Servers with their libraries, fetched concurrently (for the GUI's drop-downs); a server that cannot be
    reached gets `.error` instead of `.libraries`."""
    servers = owned_servers(token, verify=verify)

    def fill(server: ServerInfo) -> ServerInfo:
        try:
            client = connect_server(server.name, token, verify=verify, timeout=timeout, servers=[server])
            server.libraries = list_libraries(client)
        except RatingsToPlexError as exc:
            server.error = str(exc)
        return server

    if not servers:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(servers)))) as pool:
        return list(pool.map(fill, servers))

