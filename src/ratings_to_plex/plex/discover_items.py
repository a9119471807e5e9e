"""Discover titles as library items, so the one executor, the journal, undo and resume handle them unchanged.

A title on Plex Discover becomes a `LibraryItem` with a rating key in a range no server uses (from 2^62 up; PMS keys
are small counters) and section `DISCOVER_SECTION`. `WithDiscover` is the server's `PlexClient` plus the account's
Discover: rating, marking watched and reading back (`GET /library/metadata/k1,k2…`, as undo and resume do) go to
Discover for keys in that range and to the server for every other key, exactly as before. The key of a title is
derived from its 24-hex id; since that does not fit back into 62 bits, `DiscoverKeys` remembers each key's hex in a
small SQLite file next to the journal, so that an undo or a resume in a later process still knows where to write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final
from xml.etree.ElementTree import Element, SubElement

from ..errors import UsageError
from .client import ItemGone, PlexClient
from .discover import (
    DISCOVER_LIBRARY,
    DISCOVER_SECTION,
    KEY_BASE,
    DiscoverClient,
    OnlineTitle,
    discover_key,
    on_discover,
)
from .items import LibraryItem

__all__ = ["DISCOVER_LIBRARY", "DISCOVER_SECTION", "KEY_BASE", "DiscoverKeys", "WithDiscover", "as_item",
           "discover_key", "on_discover", "with_discover"]
_METADATA: Final = "/library/metadata/"


def as_item(title: OnlineTitle) -> LibraryItem:
    """A Discover title (with the account's state) as the item the plan, the executor and the journal use."""
    return LibraryItem(discover_key(title.key), DISCOVER_SECTION, title.type, title.title, None, None, title.year,
                       (f"plex://{title.type}/{title.key}", *title.guids), title.user_rating, title.view_count,
                       title.last_rated_at)


class DiscoverKeys:
    """Rating key → (hex, type, title, year) of every Discover title a plan used, kept across processes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: dict[int, OnlineTitle] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _open(self, create: bool) -> sqlite3.Connection | None:
        """The file, opened on first use (a run that never touches Discover never creates it)."""
        if self._db is None and self.path is not None and (create or self.path.exists()):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.execute("CREATE TABLE IF NOT EXISTS titles (key INTEGER PRIMARY KEY, hex TEXT NOT NULL, "
                             "type TEXT NOT NULL, title TEXT NOT NULL, year INTEGER)")
            self._db.commit()
        return self._db

    def remember(self, title: OnlineTitle) -> None:
        key = discover_key(title.key)
        with self._lock:
            self._memory[key] = title
            db = self._open(create=True)
            if db is not None:
                db.execute("INSERT OR REPLACE INTO titles VALUES (?, ?, ?, ?, ?)",
                           (key, title.key, title.type, title.title, title.year))
                db.commit()

    def title(self, key: int) -> OnlineTitle | None:
        with self._lock:
            found = self._memory.get(key)
            db = self._open(create=False) if found is None else None
            if db is not None:
                row = db.execute("SELECT hex, type, title, year FROM titles WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    found = self._memory[key] = OnlineTitle(row[0], row[1], row[2], row[3])
            return found

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class WithDiscover(PlexClient):
    """A server client that also reaches the account's Discover for keys from `KEY_BASE` up.

    The Discover client is made on first use, with the token `account_token()` gives (the signed-in account's, or
    the chosen Home user's — never a server token); nothing is sent to Discover unless a Discover key is used.
    """

    def __init__(self, base: PlexClient, account_token: Callable[[], str | None], keys: DiscoverKeys, *,
                 verify: bool = True) -> None:
        self.__dict__.update(base.__dict__)  # the same server, session, name and machine identifier
        self.base = base
        self.keys = keys
        self._account_token = account_token
        self._verify = verify
        self._discover: DiscoverClient | None = None
        self._discover_lock = threading.Lock()

    @property
    def discover(self) -> DiscoverClient:
        with self._discover_lock:
            if self._discover is None:
                token = self._account_token()
                if not token:
                    raise UsageError("Rating on Plex Discover needs you to be signed in: run "
                                     "`ratings-to-plex login` first.")
                self._discover = DiscoverClient(token, verify=self._verify)
            return self._discover

    def item(self, title: OnlineTitle) -> LibraryItem:
        """Read the account's state of a title now and remember its key: the item to plan with."""
        fresh = self.discover.state(title)
        self.keys.remember(fresh)
        return as_item(fresh)

    def _title(self, key: int) -> OnlineTitle:
        title = self.keys.title(key)
        if title is None:
            raise ItemGone(f"Plex Discover title {key} is not known here (the file that names it is missing).")
        return title

    # -- the PlexClient calls the executor, undo and resume make ------------------------------------------
    def get(self, path: str, *, start: int | None = None, size: int | None = None) -> Element:
        if not path.startswith(_METADATA):
            return self.base.get(path, start=start, size=size)
        head, sep, _ = path[len(_METADATA):].partition("/")
        keys = head.split(",")
        online = [k for k in keys if k.isdigit() and int(k) >= KEY_BASE]
        if not online:
            return self.base.get(path, start=start, size=size)
        if sep:  # e.g. a Discover show's /allLeaves: Discover has no episodes of ours to journal
            return Element("MediaContainer", {"size": "0"})
        local = [k for k in keys if k not in online]
        root = self.base.get(_METADATA + ",".join(local), start=0, size=len(local)) if local \
            else Element("MediaContainer")
        for key in online:
            try:
                title = self._title(int(key))
            except ItemGone:
                if len(keys) == 1:
                    raise
                continue
            _element(root, self.discover.state(title))
        root.set("size", str(len(root)))
        root.set("totalSize", str(len(root)))
        return root

    def rate(self, rating_key: int, kind: str, rating: float | None, rated_at: int | None = None) -> None:
        if rating_key < KEY_BASE:
            self.base.rate(rating_key, kind, rating, rated_at=rated_at)
            return
        self.discover.rate(self._title(rating_key).key, rating)

    def mark_watched(self, rating_key: int, kind: str, watched: bool) -> None:
        if rating_key < KEY_BASE:
            self.base.mark_watched(rating_key, kind, watched)
            return
        self.discover.set_watched(self._title(rating_key).key, watched)


def _element(root: Element, title: OnlineTitle) -> None:
    """The title as a listing element `LibraryItem.from_element` reads (shows: watched = every leaf viewed)."""
    attrs = {"ratingKey": str(discover_key(title.key)), "type": title.type, "title": title.title,
             "guid": f"plex://{title.type}/{title.key}", "librarySectionID": str(DISCOVER_SECTION),
             "viewCount": str(title.view_count)}
    if title.year is not None:
        attrs["year"] = str(title.year)
    if title.user_rating is not None:
        attrs["userRating"] = f"{title.user_rating:g}"
    if title.last_rated_at is not None:
        attrs["lastRatedAt"] = str(title.last_rated_at)
    if title.type == "show":
        attrs.update(leafCount="1", viewedLeafCount="1" if title.view_count else "0")
    el = SubElement(root, "Directory" if title.type == "show" else "Video", attrs)
    for guid in title.guids:
        SubElement(el, "Guid", {"id": guid})


def with_discover(client: PlexClient, journal_path: Path, user_id: str | None, *, verify: bool = True,
                  account_token: Callable[[], str | None] | None = None) -> WithDiscover:
    """`client` able to reach Discover when a plan, an undo or a resume names a Discover title.

    The token is the signed-in account's (`ratings-to-plex login`) unless `account_token` gives another account's
    (a Home user's own account token); a Home user without one is refused rather than rated as the owner.
    """
    if isinstance(client, WithDiscover):
        return client
    if account_token is None:
        account_token = _signed_in if user_id is None else _no_home_token
    return WithDiscover(client, account_token, DiscoverKeys(journal_path.with_name("discover_titles.sqlite3")),
                        verify=verify)


def _signed_in() -> str | None:
    from .credentials import load_token

    return load_token()


def _no_home_token() -> str | None:
    raise UsageError("Rating on Plex Discover for a Home user needs that user's own account token, which this "
                     "run does not have: run without --discover, or as the signed-in account.")
