"""Acting as a Plex Home user: from `--user NAME` (and a PIN) to that user's own token for the chosen server.

sign-in token → Home users → switch (PIN) → the user's account token → their resources → the server's accessToken
for *them*. Each step either succeeds or stops the run with a message; there is no branch that hands back the
signed-in account's token for another user's run (PLEX_PROTOCOL.md §8, issue 16 "never a silent fallback").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from ..errors import AuthError, UsageError
from .client import PlexClient
from .credentials import load_token
from .servers import ServerInfo, list_servers, select_server
from .users import TOKENS, HomeUser, UserTokens, find_user, home_users

USER_ENV: Final = "RATINGS_TO_PLEX_USER"
PIN_ENV: Final = "RATINGS_TO_PLEX_USER_PIN"

AskPin = Callable[[HomeUser], "str | None"]


@dataclass(frozen=True)
class UserTarget:
    """Where and as whom a run writes. `user_id` None means the signed-in account itself.

    `server` is the chosen server as *this user* sees it (its `access_token` is theirs); for `--url` runs
    `access_token` is their token for the server at that URL."""

    user_id: str | None
    user_name: str
    server: ServerInfo | None = None
    access_token: str = field(default="", repr=False)
    account_token: str = field(default="", repr=False)  # the user's own plex.tv token (for Plex Discover)


def wanted_user(user: str | None) -> str | None:
    """`--user`, else `RATINGS_TO_PLEX_USER`; blank means the signed-in account."""
    value = user if user is not None else os.environ.get(USER_ENV)
    return value.strip() or None if value else None


def owner_token(token: str | None) -> str:
    """The signed-in account's token (`--token`/`PLEX_TOKEN`, else the stored one): switching needs it."""
    found = token or load_token()
    if not found:
        raise AuthError("Plex Home users are found through your Plex sign-in: run `ratings-to-plex login` first "
                        "(or pass your account token with --token).")
    return found


def pick_user(name: str, token: str, *, verify: bool = True) -> HomeUser:
    """The Home user called `name` in the signed-in account's Home."""
    return find_user(home_users(token, verify=verify), name)


def user_servers(user: HomeUser, token: str, pin: str | None, *, verify: bool = True,
                 ask_pin: AskPin | None = None, tokens: UserTokens = TOKENS) -> list[ServerInfo]:
    """The servers `user` can use, each with the user's own accessToken (switching once, asking for a PIN
    only when the profile has one and none was given)."""
    pin = user_pin(user, pin, ask_pin)
    user_token = tokens.get(token, user, pin, verify=verify)
    try:
        return list_servers(user_token, verify=verify)
    except AuthError:  # a stored token plex.tv no longer takes: switch once more, then give up loudly
        tokens.forget(token, user)
        return list_servers(tokens.get(token, user, pin, verify=verify, fresh=True), verify=verify)


def user_pin(user: HomeUser, pin: str | None, ask_pin: AskPin | None = None) -> str | None:
    """The PIN to switch with: the one given, else RATINGS_TO_PLEX_USER_PIN, else asked (protected profiles only)."""
    if user.protected and not pin:
        pin = os.environ.get(PIN_ENV) or (ask_pin(user) if ask_pin is not None else None)
    return pin


def resolve_target(name: str | None, pin: str | None = None, *, token: str | None = None,
                   server: str | None = None, url: str | None = None, verify: bool = True,
                   ask_pin: AskPin | None = None, remembered: str | None = None) -> UserTarget:
    """Whose ratings and with which token: the signed-in account (no name, or the Home's admin by name) or the
    named Home user, whose token for the server (by `server` name, or the one answering at `url`) is found.

    `server` None means `remembered` (the caller's remembered choice), else the only one. Raises when any step
    fails; never returns another user's token."""
    if name is None:
        return UserTarget(None, "")
    account_token = owner_token(token)
    user = pick_user(name, account_token, verify=verify)
    if user.admin:  # the signed-in account itself: its own token, nothing to switch
        return UserTarget(None, "")
    pin = user_pin(user, pin, ask_pin)  # asked once, used for both calls below
    servers = user_servers(user, account_token, pin, verify=verify)
    own = TOKENS.get(account_token, user, pin, verify=verify)  # kept by user_servers: no second switch
    if url:
        machine = PlexClient.connect(url, account_token, verify=verify, pool_size=2).machine_identifier
        mine = next((s for s in servers if machine and s.client_identifier == machine), None)
        if mine is None or not mine.access_token:
            raise AuthError(f"{user.title!r} has no access to the server at {url} in plex.tv's records, so their "
                            "ratings cannot be written there. Nothing was written.")
        return UserTarget(user.uuid, user.title, mine, mine.access_token, own)
    if not servers:
        raise UsageError(f"No server is shared with {user.title!r}: share one with them in Plex first.")
    chosen = select_server(servers, server, remembered)
    if not chosen.access_token:
        raise AuthError(f"plex.tv gave no token of {user.title!r} for {chosen.name!r}. Nothing was written.")
    return UserTarget(user.uuid, user.title, chosen, chosen.access_token, own)
