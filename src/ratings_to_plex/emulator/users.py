"""The household behind the emulator's one server: Plex Home members and a friend, each with their own state.

Real Plex keeps ratings and watched state per user, keyed by the token a request carries (PLEX_PROTOCOL.md §8).
The owner's state stays on the library's items (so a single-user emulator behaves exactly as before); every other
user gets a lazily made copy of the library whose items carry only *their* state. A PMS request with a user's
server token is served from that copy, so a client that writes with the wrong token is caught item for item.

Tokens are strict on purpose: a user's plex.tv account token is refused by the server, and a server token is
refused by plex.tv, so the only way to a user's ratings is the real one (switch → resources → accessToken).
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from .library import Library

if TYPE_CHECKING:
    from .context import Context, Request

OWNER_ID = 1001
OWNER_UUID = "f3a9c2e1d4b5a6c7"
OWNER_NAME = "demo"


class Role(Enum):
    """How a person relates to the owner's server."""

    OWNER = "owner"
    MANAGED = "managed"  # a Plex Home member without a plex.tv login of their own
    FRIEND = "friend"  # another plex.tv account the server is shared with


@dataclass
class Person:
    """One user; `server_token` is their accessToken for the owner's server (the owner's is the account token)."""

    id: int
    uuid: str
    title: str
    role: Role
    pin: str | None = None
    username: str = ""
    email: str = ""
    account_token: str = field(default="", repr=False)
    server_token: str = field(default="", repr=False)

    @property
    def home(self) -> bool:
        return self.role is not Role.FRIEND

    @property
    def protected(self) -> bool:
        return self.pin is not None


def _default_people() -> list[Person]:
    return [
        Person(2001, "7b4af7a9f2620001", "Kid", Role.MANAGED),
        Person(2002, "7b4af7a9f2620002", "Teen", Role.MANAGED, pin="1234"),
        Person(3001, "9c1d2e3f4a5b3001", "friend", Role.FRIEND, username="friend", email="friend@example.com"),
    ]


class Household:
    """The non-owner users, their per-user libraries, and plex.tv's limit on profile switches."""

    def __init__(self, people: list[Person] | None = None, *, switch_limit: int = 6,
                 switch_window_s: float = 10.0, retry_after_s: float = 2.0) -> None:
        self.people = people if people is not None else _default_people()
        for person in self.people:
            person.account_token = person.account_token or secrets.token_urlsafe(20)
            person.server_token = person.server_token or secrets.token_urlsafe(20)
        self.switch_limit = switch_limit
        self.switch_window_s = switch_window_s
        self.retry_after_s = retry_after_s
        self._switches: deque[float] = deque()
        self._libraries: dict[int, Library] = {}
        self._lock = threading.Lock()

    # -- lookups ---------------------------------------------------------------------------------------------
    def by_account_token(self, token: str | None) -> Person | None:
        return next((p for p in self.people if token and secrets.compare_digest(p.account_token, token)), None)

    def by_server_token(self, token: str | None) -> Person | None:
        return next((p for p in self.people if token and secrets.compare_digest(p.server_token, token)), None)

    def by_ref(self, ref: str) -> Person | None:
        """A person by id, uuid or (case-insensitive) title, as the switch URLs and tests name them."""
        wanted = ref.casefold()
        return next((p for p in self.people if ref in (str(p.id), p.uuid) or p.title.casefold() == wanted), None)

    def accepts(self, token: str | None, *, plextv: bool) -> bool:
        """plex.tv takes account tokens, the server takes server tokens; never the other way round."""
        found = self.by_account_token(token) if plextv else self.by_server_token(token)
        return found is not None

    # -- per-user state --------------------------------------------------------------------------------------
    def library_for(self, person: Person, base: Library) -> Library:
        """`person`'s own copy of the library: same items and sections, their own ratings and plays."""
        with self._lock:
            lib = self._libraries.get(person.id)
            if lib is None:
                lib = copy.copy(base)  # shares sections, lock and guid index; items are replaced below
                lib.items = {k: dataclasses.replace(i, user_rating=None, last_rated_at=None, view_count=0,
                                                    last_viewed_at=None)
                             for k, i in base.items.items()}
                _seed(lib, person)
                self._libraries[person.id] = lib
            return lib

    def state_of(self, person: Person, base: Library) -> dict[int, tuple[float | None, int]]:
        """(userRating, viewCount) of every item as `person` sees it, for assertions."""
        lib = self.library_for(person, base)
        with lib.lock:
            return {k: (i.user_rating, i.view_count) for k, i in lib.items.items()}

    # -- plex.tv's switch limit ------------------------------------------------------------------------------
    def switch_wait(self, now: float | None = None) -> float:
        """0 when one more switch is allowed (and count it), else the seconds to wait (answered as 429)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._switches and now - self._switches[0] >= self.switch_window_s:
                self._switches.popleft()
            if self.switch_limit <= 0:
                return self.retry_after_s
            if len(self._switches) >= self.switch_limit:
                return max(self.retry_after_s, self.switch_window_s - (now - self._switches[0]))
            self._switches.append(now)
            return 0.0


def _seed(lib: Library, person: Person) -> None:
    """A few ratings of the person's own, different from everybody else's, so "untouched" means something."""
    for key, item in lib.items.items():
        if item.type == "movie" and (key * 7 + person.id) % 11 == 0:
            item.user_rating = float((key + person.id) % 5 * 2 + 2)
            item.last_rated_at = 1_700_000_000 + key


def owner(ctx: Context) -> Person:
    """The server's owner as a Person (their one token serves plex.tv and the server alike)."""
    token = ctx.token or ""
    return Person(OWNER_ID, OWNER_UUID, OWNER_NAME, Role.OWNER, username=OWNER_NAME, email="demo@example.com",
                  account_token=token, server_token=token)


def caller(ctx: Context, req: Request) -> Person | None:
    """Whose plex.tv account token the request carries; None for an unknown one."""
    token = req.param("X-Plex-Token")
    if token and ctx.token and secrets.compare_digest(token, ctx.token):
        return owner(ctx)
    return ctx.users.by_account_token(token)


def view_for(ctx: Context, req: Request) -> Context:
    """The context a PMS handler should see: the owner's as is, another user's with their own library."""
    person = ctx.users.by_server_token(req.param("X-Plex-Token"))
    if person is None:
        return ctx
    view = copy.copy(ctx)
    view.library = ctx.users.library_for(person, ctx.library)
    return view
