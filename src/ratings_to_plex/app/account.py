"""The signed-in side every interface shares: the stored token, the PIN sign-in, the account's servers and the
remembered settings. Thin on purpose — `plex.session`, `plex.credentials` and `config` do the work; interfaces
import this module instead of reaching into them.
"""

from __future__ import annotations

from ..config import load_config, remember, save_config
from ..plex.acting import UserTarget, resolve_target
from ..plex.credentials import forget_token, load_token, save_token
from ..plex.servers import (
    ServerInfo,
    account,
    list_servers,
    owned_servers,
    prefetch_servers,
    remembered_libraries,
    select_server,
)
from ..plex.session import LOGIN_TIMEOUT_S, LoginCancelled, PinLogin, can_open_browser, open_browser
from ..plex.users import HomeUser, WrongPin, home_users

__all__ = [
    "LOGIN_TIMEOUT_S", "HomeUser", "LoginCancelled", "PinLogin", "ServerInfo", "UserTarget", "WrongPin", "account",
    "can_open_browser", "forget_token", "home_users", "list_servers", "load_config", "load_token", "open_browser",
    "owned_servers", "prefetch_servers", "remember", "remembered_libraries", "resolve_target", "save_config",
    "save_token", "select_server",
]
