"""Reading items from a server in pages: the concurrent section scan (`PageScan`) and metadata by keys
(`read_items`).

Both send X-Plex-Container-Start/Size on every request (real PMS wants the size on every listing) and never ask for
more than 1,000 items at once.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Final

from .client import ItemGone, PlexClient
from .items import LibraryItem, items_of

BATCH: Final = 200  # rating keys per metadata request: ~1.5 kB of URL, well within what servers accept


@dataclass(frozen=True)
class Listing:
    """One paged listing: a section's items of one type."""

    section: int
    kind: str
    path: str


@dataclass
class _Pages:
    """What is known of one listing while it is read: its size once a page told it, and the pages that arrived."""

    listing: Listing
    total: int | None = None
    next_start: int = 0  # the next page to ask for
    added: int = 0  # pages handed to the consumer, in order
    ended_at: int | None = None  # a short page ends the listing there, whatever totalSize claimed


class PageScan:
    """Every page of several listings, `workers` requests in flight, items handed over in listing and page order.

    Without known totals the first page of each listing is asked first; its `totalSize` adds the rest. A page shorter
    than asked ends its listing (so a server overstating `totalSize` costs nothing), and pages are generated as the
    window frees, never listed up front.
    """

    def __init__(self, client: PlexClient, wanted: list[Listing], *, page_size: int, workers: int,
                 totals: dict[tuple[int, str], int] | None = None) -> None:
        self.client = client
        self.page_size = page_size
        self.workers = workers
        self.lists = [_Pages(w, None if totals is None else totals[(w.section, w.kind)]) for w in wanted]
        self.done: dict[tuple[int, int], list[LibraryItem]] = {}

    def _fetch(self, listing: Listing, start: int) -> tuple[list[LibraryItem], int]:
        root = self.client.get(listing.path, start=start, size=self.page_size)
        total = root.attrib.get("totalSize") or root.attrib.get("size") or "0"
        return items_of(root, listing.section), int(total) if total.isdigit() else 0

    def _next_page(self) -> tuple[int, int] | None:
        """The next page worth asking for: first pages first, then the rest of listings whose size is known."""
        for i, pages in enumerate(self.lists):
            if pages.total is None and pages.next_start == 0:
                return i, 0
        for i, pages in enumerate(self.lists):
            if pages.total is not None and pages.next_start < self._end(pages):
                return i, pages.next_start
        return None

    @staticmethod
    def _end(pages: _Pages) -> int:
        """Where a listing ends: its totalSize, or earlier where a short page said so."""
        total = pages.total or 0
        return total if pages.ended_at is None else min(total, pages.ended_at)

    def run(self, consume: Callable[[list[LibraryItem]], None]) -> None:
        """Read every page; the cyclic garbage collector is paused meanwhile (see `_no_gc`)."""
        with _no_gc():
            self._run(consume)

    def _run(self, consume: Callable[[list[LibraryItem]], None]) -> None:
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="r2p-scan") as pool:
            flying: dict[Future[tuple[list[LibraryItem], int]], tuple[int, int]] = {}
            try:
                while True:
                    self._refill(pool, flying)
                    if not flying:
                        break
                    finished, _ = wait(flying, return_when=FIRST_COMPLETED)
                    for future in finished:
                        self._arrived(flying.pop(future), future.result())
                    self._refill(pool, flying)  # the next pages go out before this thread indexes: no idle worker
                    self._hand_over(consume)
            except BaseException:
                for future in flying:
                    future.cancel()
                raise

    def _refill(self, pool: ThreadPoolExecutor, flying: dict[Future[tuple[list[LibraryItem], int]], tuple[int, int]],
                ) -> None:
        while len(flying) < self.workers and (page := self._next_page()) is not None:
            i, start = page
            self.lists[i].next_start = start + self.page_size
            flying[pool.submit(self._fetch, self.lists[i].listing, start)] = page

    def _arrived(self, page: tuple[int, int], result: tuple[list[LibraryItem], int]) -> None:
        (i, start), (items, total) = page, result
        pages = self.lists[i]
        if pages.total is None:
            pages.total = total
        if len(items) < self.page_size and (pages.ended_at is None or start + len(items) < pages.ended_at):
            pages.ended_at = start + len(items)
        self.done[(i, start)] = items

    def _hand_over(self, consume: Callable[[list[LibraryItem]], None]) -> None:
        """Give the consumer every page whose predecessors (in listing, then page order) have all been given."""
        for i, pages in enumerate(self.lists):
            while (items := self.done.pop((i, pages.added * self.page_size), None)) is not None:
                pages.added += 1
                consume(items)
            if pages.total is None or pages.added * self.page_size < self._end(pages):
                return  # this listing still has pages to come: later listings wait their turn


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic GC while a scan builds 100,000+ items, then move them out of its reach.

    Items hold no reference cycles, so reference counting frees them; but every collection would walk all of them
    (and each page's XML tree) again — about a third of a big scan's CPU. Afterwards one full collection (≈ 25 ms at
    100,000 items) clears whatever cyclic garbage piled up, and `gc.freeze()` keeps the later collections of the run
    (journal, writes) from walking the index over and over; frozen objects are still freed by reference counting as
    soon as nothing refers to them. A process that turned the GC off itself is left as it was.

    What the previous scan froze is unfrozen first: a freeze takes everything alive at that moment (the run's own
    sessions, plexapi objects, sockets, SQLite connections), and what of it later became cyclic garbage would
    otherwise never be collected — a web server or desktop app leaked one run's objects and descriptors per run.

    The collection and the freeze happen only on the main thread (the CLI, the benchmarks). The desktop app and the
    web UI scan from a worker thread, and a collection forced there could free a closed window's Tk objects off the Tk
    thread, which hangs Tk ("main thread is not in main loop"); there the ordinary collector does its work as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if threading.current_thread() is threading.main_thread():
                gc.unfreeze()
                gc.collect()
                gc.freeze()


def read_items(client: PlexClient, keys: Iterable[int], *, batch: int = BATCH) -> dict[int, LibraryItem]:
    """The items' state now, by `GET /library/metadata/{k1,k2,…}`; an item absent from the result is gone.

    Real PMS answers 404 for the whole request when any one key is unknown (a deleted or trashed item): such a
    batch is split in halves until the missing keys stand alone, so one deleted item costs about 2·log2(batch)
    requests, not the batch. Only a 404 means "gone": any other error propagates. A 200 that holds fewer items
    than asked while its `totalSize` says more were there is asked again in halves too.
    """
    found: dict[int, LibraryItem] = {}
    wanted = sorted(set(keys))
    todo = [wanted[start:start + batch] for start in range(0, len(wanted), batch)]
    while todo:
        chunk = todo.pop()
        try:
            root = client.get("/library/metadata/" + ",".join(map(str, chunk)), start=0, size=len(chunk))
        except ItemGone:
            if len(chunk) > 1:
                todo += [chunk[len(chunk) // 2:], chunk[:len(chunk) // 2]]
            continue
        asked = set(chunk)
        got = {item.rating_key: item for item in items_of(root, 0) if item.rating_key in asked}
        found.update(got)
        total = root.attrib.get("totalSize", "")
        if len(got) < len(chunk) and total.isdigit() and int(total) > len(got) and len(chunk) > 1:
            rest = [k for k in chunk if k not in got]
            todo += [rest[len(rest) // 2:], rest[:len(rest) // 2]]
    return found
