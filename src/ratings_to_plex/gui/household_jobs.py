"""The Plex Home user picker's worker side (no Tk): list the account's Home users, act as one of them.

Ratings belong to a Plex user. Acting as a Home user connects to the server with *their own* token (plex.tv switch
with the PIN of a protected profile → their token for the server: `Engine.connect_as`, the CLI's `--user` sequence).
While a switch runs nobody is connected, and a failed switch leaves nobody connected: the window's next preview or
write says so instead of connecting as the account owner (issue 16: never a silent fallback).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ..errors import AuthError, RatingsToPlexError, UsageError
from .account import AccountJobs
from .events import PLAN, Log, ServersLoaded, Status
from .journal_jobs import WRITE_JOBS

if TYPE_CHECKING:
    from ..app import Connection
    from ..app.account import HomeUser

SWITCH: Final = "switch-user"


@dataclass(frozen=True)
class UserChoice:
    """One entry of the User menu (`uuid` identifies the user; the label is what the menu shows)."""

    uuid: str
    title: str
    kind: str  # you | managed user | Home member
    protected: bool

    @property
    def label(self) -> str:
        return f"{self.title} ({self.kind}{', PIN' if self.protected else ''})"


@dataclass(frozen=True)
class UsersLoaded:
    users: tuple[UserChoice, ...]  # empty: nobody else to act as (no Home, or not signed in)


@dataclass(frozen=True)
class ActingAs:
    """The outcome of a switch: `user` is who the window now writes for ("" = the signed-in account); `error`
    says why nobody is connected (the switch failed)."""

    server: str
    user: str
    error: str = ""


def choice_of(user: HomeUser) -> UserChoice:
    kind = "you" if user.admin else "managed user" if user.managed else "Home member"
    return UserChoice(user.uuid, user.title, kind, user.protected)


class HouseholdJobs(AccountJobs):
    """A mixin of `Controller`: the account's Home users and the user the window acts as."""

    _home: tuple[HomeUser, ...] = ()
    _acting: HomeUser | None = None  # None: the signed-in account itself
    _acting_pin: str | None = None  # kept in memory only, to connect to the account's other servers as them
    _nobody: frozenset[str] = frozenset()  # server labels nobody is connected to (a switch failed or runs)

    def _fetch_servers(self, token: str) -> None:
        super()._fetch_servers(token)
        try:
            users = self.engine.home_users(token)
        except RatingsToPlexError as exc:
            self.post(Log(f"Could not list the Plex Home users ({exc}); runs use your own ratings.", "warning"))
            users = []
        with self._lock:
            self._home = tuple(users)
        self.post(UsersLoaded(tuple(choice_of(u) for u in users) if len(users) > 1 else ()))

    def _sign_out(self) -> None:
        with self._lock:
            self._home, self._acting, self._acting_pin, self._nobody = (), None, None, frozenset()
        super()._sign_out()
        self.post(UsersLoaded(()))

    def switch_user(self, uuid: str, pin: str, server: str) -> bool:
        """Act as Home user `uuid` (their own token) on the server the menu calls `server`."""
        return self._spawn(SWITCH, self._switch_user, uuid, pin.strip(), server, exclusive=(*WRITE_JOBS, PLAN))

    def _switch_user(self, uuid: str, pin: str, server: str) -> None:
        with self._lock:
            user = next((u for u in self._home if u.uuid == uuid), None)
            info, token = self._servers.get(server), self._token
            if user is not None and info is not None:  # nobody is connected until the switch has succeeded
                for label in self._servers:
                    self._clients.pop(label, None)
                self._plan = None
                self._acting, self._acting_pin = (None, None) if user.admin else (user, pin or None)
                self._nobody = frozenset(self._servers)
        if user is None:
            raise UsageError("That user is not in your Plex Home any more: sign in again.")
        if info is None or token is None:
            raise UsageError("Choose one of your account's servers on the Login tab first (a server connected by "
                             "URL + token is used as that token's user).")
        try:
            if user.protected and not pin and not user.admin:
                raise AuthError(f"{user.title!r} is protected by a PIN: enter it in the PIN field.")
            self.post(Status(f"Switching to {user.title} on plex.tv…", "busy"))
            conn = self.engine.connect_server(info, token) if user.admin else \
                self.engine.connect_as(user, pin or None, token, info.client_identifier)
        except RatingsToPlexError as exc:
            message = str(exc) if "nothing was written" in str(exc).lower() else f"{exc} Nothing was written."
            self.post(ActingAs(server, user.title, message))
            self.post(Log(f"Could not act as {user.title}: {message}", "error"))
            self.post(Status(f"Nobody is connected: {exc}", "error"))
            return
        with self._lock:
            self._clients[server] = conn
            self._nobody = frozenset()
            choices = tuple(self._choices.values())
        who = "" if user.admin else user.title
        self.post(ServersLoaded(choices, select=server))
        self.post(ActingAs(server, who))
        self.post(Log(f"Connected to {server} as {who or 'yourself (the account owner)'}: runs read and write "
                      f"{'their' if who else 'your'} own ratings."))
        self.post(Status(f"Acting as {who or 'yourself'} on {server}.", "ok"))

    def _client_for(self, server: str) -> Connection:
        """As `AccountJobs._client_for`, but as the user the window acts as — and nobody after a failed switch."""
        with self._lock:
            nobody, acting, pin, conn = server in self._nobody, self._acting, self._acting_pin, \
                self._clients.get(server)
            info, token = self._servers.get(server), self._token
        if nobody:
            raise AuthError(f"Nobody is connected to {server}: the last switch of user did not succeed. Choose a "
                            "user in the User menu on the Login tab (nothing was written).")
        if acting is None or conn is not None or info is None or token is None:
            return super()._client_for(server)
        conn = self.engine.connect_as(acting, pin, token, info.client_identifier)  # their token, or an error
        with self._lock:
            self._clients[server] = conn
        return conn
