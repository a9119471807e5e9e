"""The user's servers as plex.tv lists them (their own and those shared with them), and reaching one.

Every plex.tv call goes through `plextv_session()` (so `RATINGS_TO_PLEX_PLEXTV_URL` can point it at the emulator);
every server connection ends up as our own `PlexClient`, with its retrying session. Each server carries the
accessToken plex.tv gives *this* account for it: on a friend's server that is the friend's own token, never the
owner's, so writes land in the signed-in person's ratings.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import requests
from plexapi.myplex import MyPlexAccount

from ..errors import AuthError, PlexConnectionError, RatingsToPlexError, UsageError
from ..security import register_secret
from .client import PlexClient, RetryPolicy, Section, make_session
from .credentials import load_token
from .plextv import PLEXTV_RETRY, plextv_errors, plextv_session

CONNECT_TIMEOUT_S: Final = 10.0


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
    shared_by: str = ""  # the owner's name, for a server shared with this account

    @property
    def label(self) -> str:
        """How lists name it: `Name`, or `Name (shared by alice)`."""
        return f"{self.name} (shared by {self.shared_by or 'another account'})" if not self.owned else self.name

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "client_identifier": self.client_identifier, "platform": self.platform,
                "version": self.version, "owned": self.owned, "shared_by": None if self.owned else self.shared_by,
                "connections": list(self.connections)}


# -- account and servers ------------------------------------------------------------------------------------
_UUIDS: dict[str, str] = {}  # sha256 of a token → the uuid of its plex.tv account, as seen in this process
_UUIDS_LOCK = threading.Lock()


def account(token: str, *, verify: bool = True) -> MyPlexAccount:
    """The plex.tv account of `token`; raises AuthError when plex.tv rejects it."""
    register_secret(token)
    with plextv_errors():
        acct = MyPlexAccount(token=token, session=plextv_session(verify), timeout=PLEXTV_RETRY.timeout_s)
    if acct.uuid:
        with _UUIDS_LOCK:
            _UUIDS[hashlib.sha256(token.encode()).hexdigest()] = str(acct.uuid)
    return acct


def account_uuid(token: str, *, verify: bool = True, ask: bool = True) -> str | None:
    """The uuid of the plex.tv account `token` belongs to: as seen when this process last read that account (listing
    its servers does), else — with `ask` — from plex.tv (`GET /api/v2/user`, one call). None when unknown."""
    with _UUIDS_LOCK:
        known = _UUIDS.get(hashlib.sha256(token.encode()).hexdigest())
    if known or not ask:
        return known
    return str(account(token, verify=verify).uuid or "") or None


def owned_servers(token: str | None = None, *, verify: bool = True,
                  plex_account: MyPlexAccount | None = None) -> list[ServerInfo]:
    """The user's own Plex Media Servers (players and friends' shared servers left out)."""
    return [s for s in list_servers(token, verify=verify, plex_account=plex_account) if s.owned]


def list_servers(token: str | None = None, *, verify: bool = True,
                 plex_account: MyPlexAccount | None = None) -> list[ServerInfo]:
    """Every Plex Media Server the account can use: its own first, then those shared with it (players left out).

    A shared server is listed only with the accessToken plex.tv gives this account for it: without one it is
    skipped, never reached with the account token instead."""
    token = _require_token(token) if plex_account is None else token
    acct = plex_account or account(str(token), verify=verify)
    with plextv_errors():
        resources = acct.resources()
    servers = []
    for res in resources:
        if "server" not in (res.provides or "").split(","):
            continue
        owned = bool(res.owned)
        access = res.accessToken or (token if owned else "") or ""
        if not access:
            continue
        register_secret(access)
        urls = list(dict.fromkeys(res.preferred_connections()))  # uri and http://address:port often coincide
        servers.append(ServerInfo(res.name or "", res.clientIdentifier or "", owned, tuple(urls),
                                  res.platform or "", res.productVersion or "", access,
                                  shared_by="" if owned else (res.sourceTitle or "")))
    return sorted(servers, key=lambda s: not s.owned)


def select_server(servers: list[ServerInfo], name: str | None, remembered: str | None = None) -> ServerInfo:
    """The server called `name` (case-insensitive, or its identifier); None → `remembered` (the choice the caller
    remembered: plex/ reads no settings), else the only one."""
    from_memory = name is None and bool(remembered)
    if name is None:
        name = remembered or None
    names = ", ".join(repr(s.name) for s in servers) or "(none)"
    if name is None:
        own = [s for s in servers if s.owned]
        if len(own) == 1 or (not own and len(servers) == 1):
            return (own or servers)[0]
        if not servers:
            raise UsageError("Your Plex account has no server of its own and none is shared with it. Pass --url "
                             "and --token to use another server.")
        raise UsageError(f"You have several servers: choose one with --server (one of: {names}).")
    wanted = str(name).casefold()
    for server in servers:
        if server.name.casefold() == wanted or server.client_identifier.casefold() == wanted:
            return server
    where = " (remembered from your last run)" if from_memory else ""
    raise UsageError(f"No server named {name!r}{where} in your Plex account: choose one of {names} with --server.")


def connect_server(name: str | None = None, token: str | None = None, *, verify: bool = True,
                   pool_size: int = 16, timeout: float = CONNECT_TIMEOUT_S,
                   servers: list[ServerInfo] | None = None, remembered: str | None = None) -> PlexClient:
    """Reach one of the user's servers through the first of its addresses that answers (local → remote → relay);
    `name` None: the `remembered` one, else the only one."""
    chosen = select_server(servers if servers is not None else list_servers(token, verify=verify), name, remembered)
    url = reachable_url(chosen, verify=verify, timeout=timeout)
    access = chosen.access_token or (_require_token(token) if chosen.owned else "")
    if not access:  # a shared server is only ever reached with this account's own token for it
        raise AuthError(f"plex.tv gave no access token for {chosen.label}: ask its owner to share it again.")
    return PlexClient.connect(url, access, verify=verify, pool_size=pool_size)


def reachable_url(server: ServerInfo, *, verify: bool = True, timeout: float = CONNECT_TIMEOUT_S) -> str:
    """Probe every address at once; the best-ranked one that answers as this server wins (we wait no longer
    than needed for the better-ranked ones)."""
    if not server.connections:
        raise PlexConnectionError(f"plex.tv lists no address for {_named(server)}: is it online and "
                                  "signed in? You can also pass --url.")
    # Our guarded session: a probed address redirecting elsewhere must not get the token (plex/http.py).
    probe = make_session(verify=verify, retry=RetryPolicy(attempts=0, timeout_s=timeout, deadline_s=timeout * 2))
    pool = ThreadPoolExecutor(max_workers=min(8, len(server.connections)), thread_name_prefix="probe")
    futures = [pool.submit(_answers, probe, url, server, timeout) for url in server.connections]
    try:
        for url, future in zip(server.connections, futures, strict=True):
            if future.result():
                return url
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # slower, worse-ranked probes finish on their own
    raise PlexConnectionError(f"Could not reach {_named(server)} at any of its addresses: "
                              f"{', '.join(server.connections)}. Is it running? You can also pass --url.")


def _named(server: ServerInfo) -> str:
    return f"your server {server.name!r}" if server.owned else f"the server {server.label!r}"


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
        raise AuthError("Not signed in: run `ratings-to-plex login` first, or pass --url and --token.",
                        reason="not_signed_in")
    register_secret(token)
    return token


# -- libraries ----------------------------------------------------------------------------------------------
def remembered_libraries(client: PlexClient, wanted: object) -> tuple[str, ...]:
    """Of the libraries chosen last time (`wanted`, as the caller remembered them: a list of titles or keys), those
    this server still has, in the remembered order."""
    if not isinstance(wanted, list):
        return ()
    present = {s.title.casefold() for s in client.sections()} | {str(s.key) for s in client.sections()}
    return tuple(str(w) for w in wanted if str(w).casefold() in present or str(w) in present)


def prefetch_servers(token: str | None = None, *, verify: bool = True, timeout: float = CONNECT_TIMEOUT_S,
                     workers: int = 4) -> list[ServerInfo]:
    """Servers with their libraries, fetched concurrently (for the GUI's drop-downs); a server that cannot be
    reached gets `.error` instead of `.libraries`."""
    servers = list_servers(token, verify=verify)

    def fill(server: ServerInfo) -> ServerInfo:
        try:
            client = connect_server(server.name, token, verify=verify, timeout=timeout, servers=[server])
            server.libraries = client.sections()
        except RatingsToPlexError as exc:
            server.error = str(exc)
        return server

    if not servers:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(servers)))) as pool:
        return list(pool.map(fill, servers))

