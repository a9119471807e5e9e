"""A connected server as the session and the interfaces see it: the client plus whose ratings it reads and writes.

The identity is the server's machine identifier (plus the Plex user), taken from the server itself when connecting —
never its name: two servers may be called the same, and the name is only for showing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ..errors import PlexConnectionError
from ..model import Identity
from ..plex.client import PlexClient, Section
from ..plex.discover import DISCOVER_LIBRARY, DISCOVER_SECTION


def normalise_url(url: str) -> str:
    """The server's base URL from what a person pastes: `127.0.0.1:32400` or `localhost:32400` (no scheme: http,
    as a Plex server on a home network answers), or the address of Plex Web copied from the browser
    (`…:32400/web/index.html#!/…`: the server is what is before `/web`)."""
    url = url.strip()
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", url):
        url = "http://" + url
    parts = urlsplit(url)
    path = parts.path
    if web := re.search(r"/web(/|$)", path):
        path = path[: web.start()]
        return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))
    return url


@dataclass(frozen=True)
class Connection:
    """One server, reached and identified. Thread-safe (the client's HTTP pool is shared)."""

    client: PlexClient
    identity: Identity

    @classmethod
    def of(cls, client: PlexClient, *, user_id: str | None = None, user_name: str = "",
           account: tuple[str, str] | None = None) -> Connection:
        """`account`: (account id, token id) of the signed-in account (`app.accounts`), when acting as it."""
        if not client.machine_identifier:
            raise PlexConnectionError(f"The server at {client.url} did not say its machine identifier, so runs on "
                                      "it could not be told apart from another server's: is it a Plex server?")
        account_id, token_id = account or (None, None)
        return cls(client, Identity(client.machine_identifier, user_id, client.name, client.url, user_name,
                                    account_id, token_id))

    @property
    def name(self) -> str:
        return self.client.name

    @property
    def url(self) -> str:
        return self.client.url

    def sections(self) -> list[Section]:
        """Every library section (read once, then kept)."""
        return self.client.sections()

    def libraries(self) -> list[Section]:
        """The movie and TV sections: the ones a sync can match against."""
        return [s for s in self.client.sections() if s.listable_types]

    def library_names(self, keys: Sequence[int]) -> dict[int, str]:
        """Section key → title, for the keys asked (to show which library an item is in); Plex Discover too."""
        wanted = set(keys)
        names = {s.key: s.title for s in self.client.sections() if s.key in wanted}
        return {**names, DISCOVER_SECTION: DISCOVER_LIBRARY} if DISCOVER_SECTION in wanted else names
