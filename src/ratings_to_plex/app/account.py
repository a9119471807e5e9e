"""The signed-in side every interface shares: the stored token, the PIN sign-in, the account's servers and the
remembered settings. Thin on purpose — `plex.session`, `plex.credentials` and `config` do the work; interfaces
import this module instead of reaching into them. `plex/` reads no settings: the remembered server and libraries are
read here and passed in.
"""

from __future__ import annotations

from ..config import load_config, remember, save_config
from ..plex import acting, servers
from ..plex.acting import PIN_ENV, AskPin, UserTarget, owner_token, wanted_user
from ..plex.client import PlexClient
from ..plex.credentials import forget_token, load_token, save_token
from ..plex.servers import ServerInfo, account, list_servers, owned_servers, prefetch_servers
from ..plex.session import LOGIN_TIMEOUT_S, LoginCancelled, PinLogin, can_open_browser, open_browser
from ..plex.users import HomeUser, WrongPin, home_users

__all__ = [
    "LOGIN_TIMEOUT_S", "PIN_ENV", "HomeUser", "LoginCancelled", "PinLogin", "ServerInfo", "UserTarget", "WrongPin",
    "account", "can_open_browser", "forget_token", "home_users", "list_servers", "load_config", "load_token",
    "open_browser", "owned_servers", "owner_token", "prefetch_servers", "remember", "remembered_libraries",
    "remembered_server", "resolve_target", "save_config", "save_token", "select_server", "wanted_user",
]


def remembered_server() -> str | None:
    """The server chosen last time (its name or machine identifier), if any."""
    return str(load_config().get("server") or "") or None


def select_server(found: list[ServerInfo], name: str | None) -> ServerInfo:
    """The server called `name` (or its identifier) among `found`; None: the remembered one, else the only one."""
    return servers.select_server(found, name, remembered_server())


def remembered_libraries(client: PlexClient) -> tuple[str, ...]:
    """The libraries chosen last time that this server still has (by title or key), in the remembered order."""
    return servers.remembered_libraries(client, load_config().get("libraries"))


def resolve_target(name: str | None, pin: str | None = None, *, token: str | None = None,
                   server: str | None = None, url: str | None = None, verify: bool = True,
                   ask_pin: AskPin | None = None) -> UserTarget:
    """`plex.acting.resolve_target` (the Home user's own token, never a fallback), with the remembered server
    when none is named."""
    return acting.resolve_target(name, pin, token=token, server=server, url=url, verify=verify, ask_pin=ask_pin,
                                 remembered=remembered_server())
