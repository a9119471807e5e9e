"""Plex Home users: who is in the signed-in account's Home, and that person's own token for a server.

Ratings belong to a user, not to a server (PLEX_PROTOCOL.md §8). To write a Home user's ratings we do what Plex
apps do: `POST /api/v2/home/users/{uuid}/switch` (with the PIN of a protected profile) gives that user's account
token; `GET /api/v2/resources` with it gives the server's accessToken *for that user*. Nothing here ever falls back
to the owner's token: if a user's token cannot be had, a clear error stops the run before anything is written.

A switched-to token is kept for the process (plex.tv answers bursts of switches with 429) and, for profiles
without a PIN, stored like the account's own (keyring, or a 0600 file); a PIN-protected profile's token is never
written to disk, so its PIN is asked again on the next run, as a Plex app would.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, Final

import requests

from ..errors import AuthError, PlexConnectionError, PlexError, UsageError
from ..security import register_secret
from .credentials import client_identifier, load_user_tokens, save_user_token
from .plextv import PLEXTV_RETRY, plextv_base, plextv_name, plextv_session


class WrongPin(AuthError):
    """Raised when a PIN-protected profile is asked for without its PIN, or with a wrong one."""


@dataclass(frozen=True)
class HomeUser:
    """One member of a Plex Home as plex.tv lists it."""

    id: int
    uuid: str
    title: str
    username: str = ""
    admin: bool = False  # the Home's owner (the signed-in account, when it owns the Home)
    managed: bool = False  # a managed user: no plex.tv login of their own
    protected: bool = False  # switching to them needs their PIN

    @property
    def kind(self) -> str:
        return "admin" if self.admin else "managed" if self.managed else "member"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "uuid": self.uuid, "name": self.title, "username": self.username,
                "kind": self.kind, "admin": self.admin, "managed": self.managed, "pin_protected": self.protected}


_HEADERS: Final = {"Accept": "application/json", "X-Plex-Product": "ratings-to-plex"}


def _call(method: str, path: str, token: str, *, verify: bool, params: dict[str, str] | None = None,
          what: str) -> requests.Response:
    """One plex.tv v2 call, JSON wanted; network trouble and a refused account token become our errors."""
    register_secret(token)
    headers = {**_HEADERS, "X-Plex-Token": token, "X-Plex-Client-Identifier": client_identifier()}
    session = plextv_session(verify)
    try:
        response = session.request(method, plextv_base() + path, params=params, headers=headers,
                                   timeout=PLEXTV_RETRY.timeout_s)
    except requests.RequestException:
        raise PlexConnectionError(f"Cannot reach {plextv_name()} to {what}: check your internet connection, then "
                                  "try again.") from None
    finally:
        session.close()
    if response.status_code == 401:
        raise AuthError(f"{plextv_name()} rejected your token while trying to {what}: it has expired or was "
                        "revoked. Sign in again with `ratings-to-plex login`.")
    if response.status_code == 429:
        wait = response.headers.get("Retry-After", "")
        limited = "how often profiles can be switched" if path.endswith("/switch") else "requests"
        raise PlexConnectionError(f"{plextv_name()} is limiting {limited} (too many in a short time) while trying "
                                  f"to {what}; wait{' ' + wait + ' s' if wait else ' a minute'} and try again. "
                                  "Nothing was written.")
    if response.status_code >= 500:
        raise PlexConnectionError(f"{plextv_name()} kept failing ({response.status_code}) while trying to {what}; "
                                  "try again later.")
    return response


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise PlexError(f"{plextv_name()} sent an unreadable answer while trying to {what}.") from None


def home_users(token: str, *, verify: bool = True) -> list[HomeUser]:
    """The members of the signed-in account's Plex Home (just the account itself when it has no Home)."""
    what = "list your Plex Home users"
    response = _call("GET", "/api/v2/home/users", token, verify=verify, what=what)
    if response.status_code == 404:  # an account that is in no Plex Home
        return []
    if response.status_code != 200:
        raise PlexError(f"{plextv_name()} did not list your Plex Home users ({response.status_code}).")
    data = _json(response, what)
    rows = data.get("users", []) if isinstance(data, dict) else []
    return [HomeUser(int(u.get("id") or 0), str(u.get("uuid") or ""), str(u.get("title") or ""),
                     str(u.get("username") or ""), bool(u.get("admin")), bool(u.get("restricted")),
                     bool(u.get("protected")))
            for u in rows if isinstance(u, dict)]


def find_user(users: list[HomeUser], name: str) -> HomeUser:
    """The Home user called `name` (their name or username, any case; or their id or uuid)."""
    wanted = name.strip().casefold()
    if not wanted:
        raise UsageError("--user needs a name (`ratings-to-plex users` lists them).")
    for user in users:
        if wanted in (user.title.casefold(), user.username.casefold(), user.uuid.casefold(), str(user.id)):
            return user
    names = ", ".join(repr(u.title) for u in users) or "(none)"
    raise UsageError(f"No Plex Home user named {name!r} in your account: choose one of {names} "
                     "(`ratings-to-plex users` lists them).")


def switch_user(token: str, user: HomeUser, pin: str | None = None, *, verify: bool = True) -> str:
    """That user's account token, by switching to their profile (as a Plex app does)."""
    what = f"switch to {user.title!r}"
    params = {"pin": pin} if pin else None
    response = _call("POST", f"/api/v2/home/users/{user.uuid}/switch", token, verify=verify, params=params,
                     what=what)
    if response.status_code in (403, 422) and user.protected:
        if pin:
            raise WrongPin(f"Wrong PIN for {user.title!r}: nothing was written. Check it and try again.")
        raise WrongPin(f"{user.title!r} is protected by a PIN: give it on the terminal or in "
                       "RATINGS_TO_PLEX_USER_PIN. Nothing was written.")
    if response.status_code == 404:
        raise UsageError(f"{user.title!r} is not (or no longer) in your Plex Home.")
    if response.status_code not in (200, 201):
        raise AuthError(f"{plextv_name()} refused to {what} ({response.status_code}). Nothing was written.")
    user_token = str(_json(response, what).get("authToken") or "")
    if not user_token:
        raise AuthError(f"{plextv_name()} gave no token for {user.title!r}. Nothing was written.")
    register_secret(user_token)
    return user_token


class UserTokens:
    """Each Home user's token, switched to at most once per process and (without a PIN) kept between runs."""

    def __init__(self, *, persist: bool = True) -> None:
        self._persist = persist
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(owner_token: str, user: HomeUser) -> str:
        """Per signed-in account and user; the account is named by a digest, never by its token."""
        return f"{hashlib.sha256(owner_token.encode()).hexdigest()[:16]}:{user.uuid}"

    def get(self, owner_token: str, user: HomeUser, pin: str | None, *, verify: bool = True,
            fresh: bool = False) -> str:
        """The user's token: remembered, stored, or (when `fresh` or unknown) from a new switch.

        A PIN-protected profile's token is remembered only together with the PIN that opened it (as a digest), so
        a long-running app (desktop, web) still needs the right PIN each time: a wrong or missing one goes to
        plex.tv, which refuses it."""
        key = self.key(owner_token, user)
        memo = f"{key}:{hashlib.sha256((pin or '').encode()).hexdigest()[:16]}" if user.protected else key
        with self._lock:
            if not fresh:
                token = self._tokens.get(memo) or (self._stored(key) if not user.protected else None)
                if token:
                    self._tokens[memo] = token
                    return token
            token = switch_user(owner_token, user, pin, verify=verify)
            self._tokens[memo] = token
            if self._persist and not user.protected:
                save_user_token(key, token)
            return token

    def forget(self, owner_token: str, user: HomeUser) -> None:
        """Drop a token plex.tv no longer accepts (so the next `get` switches again)."""
        key = self.key(owner_token, user)
        with self._lock:
            for memo in [m for m in self._tokens if m == key or m.startswith(key + ":")]:
                del self._tokens[memo]
            if self._persist:
                save_user_token(key, None)

    def _stored(self, key: str) -> str | None:
        return load_user_tokens().get(key) if self._persist else None


TOKENS: Final = UserTokens()  # the process-wide cache the CLI, the GUI and the web UI share
