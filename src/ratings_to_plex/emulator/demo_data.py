"""The fixed demo library: real, well-known titles with their real IMDb ids, which the sample exports refer to.

`DEMO_ITEMS` is the single readable source; `demo_library()` turns it into a `Library`. Cases it covers on
purpose: new-agent and legacy-agent guids, TMDb-only and local-only items, localized titles with originalTitle,
remakes sharing a title (Dune, Solaris, The Thing, Scarface), one film in two sections (HD and 4K copies of
Les Misérables and Dune 2021, same IMDb id), two local copies of "Nosferatu" 1922 (ambiguous by title and year),
and a few ratings/watches already present (The Godfather is rated 10, so importing 10 is "unchanged").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .generator import default_sections
from .library import Item, Library, Section

#: Agent kinds: "plex" (new agent + Guid children), "imdb"/"tmdb"/"tvdb" (legacy agent guid), "local".
AGENTS = ("plex", "imdb", "tmdb", "tvdb", "local")


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One demo entry. `slug` is stable and unique; seasons/episodes name their parent slug."""

    slug: str
    type: str
    title: str
    year: int | None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    agent: str = "plex"
    original_title: str | None = None
    user_rating: float | None = None
    view_count: int = 0
    section: int = 1
    parent: str | None = None
    index: int | None = None


def _m(slug: str, title: str, year: int, imdb: str | None, tmdb: int | None, agent: str = "plex",
       original: str | None = None, rating: float | None = None, views: int = 0, section: int = 1) -> DemoItem:
    return DemoItem(slug, "movie", title, year, imdb, tmdb, None, agent, original, rating, views, section)


def _ep(slug: str, parent: str, index: int, title: str, year: int, imdb: str | None = None,
        tvdb: int | None = None, rating: float | None = None, views: int = 0) -> DemoItem:
    return DemoItem(slug, "episode", title, year, imdb, None, tvdb, "plex", None, rating, views, 2, parent, index)


def _season(slug: str, parent: str, index: int, year: int) -> DemoItem:
    return DemoItem(slug, "season", f"Season {index}", year, section=2, parent=parent, index=index)


def _show(slug: str, title: str, year: int, imdb: str | None, tmdb: int | None, tvdb: int | None,
          agent: str = "plex", original: str | None = None, rating: float | None = None) -> DemoItem:
    return DemoItem(slug, "show", title, year, imdb, tmdb, tvdb, agent, original, rating, 0, 2)


DEMO_ITEMS: tuple[DemoItem, ...] = (
    # -- section 1: Movies ---------------------------------------------------------------------------------
    _m("shawshank", "The Shawshank Redemption", 1994, "tt0111161", 278, rating=9.0, views=2),
    _m("godfather", "The Godfather", 1972, "tt0068646", 238, rating=10.0, views=1),
    _m("dark-knight", "The Dark Knight", 2008, "tt0468569", 155),
    _m("pulp-fiction", "Pulp Fiction", 1994, "tt0110912", 680, agent="imdb", views=3),
    _m("inception", "Inception", 2010, "tt1375666", 27205),
    _m("parasite", "Parasite", 2019, "tt6751668", 496243, original="기생충"),
    _m("amelie", "Amélie", 2001, "tt0211915", 194, original="Le Fabuleux Destin d'Amélie Poulain"),
    _m("spirited-away", "Spirited Away", 2001, "tt0245429", 129, original="千と千尋の神隠し"),
    _m("crouching-tiger", "Crouching Tiger, Hidden Dragon", 2000, "tt0190332", 146, original="臥虎藏龍"),
    _m("dune-2021", "Dune", 2021, "tt1160419", 438631),
    _m("dune-1984", "Dune", 1984, "tt0087182", 841, agent="imdb", rating=6.0),
    _m("solaris-1972", "Solaris", 1972, "tt0069293", 593, original="Солярис"),
    _m("solaris-2002", "Solaris", 2002, "tt0307479", 2103),
    _m("thing-1982", "The Thing", 1982, "tt0084787", 1091, views=1),
    _m("thing-2011", "The Thing", 2011, "tt0905372", 60935),
    _m("les-mis-hd", "Les Misérables", 2012, "tt1707386", 82695),
    _m("fight-club", "Fight Club", 1999, "tt0137523", 550, rating=9.0, views=1),
    _m("forrest-gump", "Forrest Gump", 1994, "tt0109830", 13, agent="imdb"),
    _m("matrix", "The Matrix", 1999, "tt0133093", 603, views=4),
    _m("interstellar", "Interstellar", 2014, "tt0816692", 157336),
    _m("goodfellas", "Goodfellas", 1990, "tt0099685", 769, agent="imdb"),
    _m("se7en", "Se7en", 1995, "tt0114369", 807),
    _m("silence-lambs", "The Silence of the Lambs", 1991, "tt0102926", 274),
    _m("schindler", "Schindler's List", 1993, "tt0108052", 424),
    _m("fellowship", "The Lord of the Rings: The Fellowship of the Ring", 2001, "tt0120737", 120),
    _m("seven-samurai", "Seven Samurai", 1954, "tt0047478", 346, original="七人の侍"),
    _m("city-of-god", "City of God", 2002, "tt0317248", 598, agent="imdb", original="Cidade de Deus"),
    _m("life-is-beautiful", "Life Is Beautiful", 1997, "tt0118799", 637, original="La vita è bella"),
    _m("pans-labyrinth", "Pan's Labyrinth", 2006, "tt0457430", 1417, original="El laberinto del fauno"),
    _m("lives-of-others", "The Lives of Others", 2006, None, 582, original="Das Leben der Anderen"),
    _m("oldboy", "Oldboy", 2003, "tt0364569", 670, original="올드보이"),
    _m("back-to-future", "Back to the Future", 1985, "tt0088763", 105, agent="tmdb"),
    _m("alien", "Alien", 1979, "tt0078748", 348),
    _m("blade-runner", "Blade Runner", 1982, "tt0083658", 78, agent="imdb", rating=8.0),
    _m("blade-runner-2049", "Blade Runner 2049", 2017, "tt1856101", 335984),
    _m("gladiator", "Gladiator", 2000, "tt0172495", 98),
    _m("heat", "Heat", 1995, "tt0113277", 949, agent="tmdb"),
    _m("whiplash", "Whiplash", 2014, "tt2582802", 244786, views=1),
    _m("fury-road", "Mad Max: Fury Road", 2015, "tt1392190", 76341),
    _m("eeaao", "Everything Everywhere All at Once", 2022, "tt6710474", 545611),
    _m("oppenheimer", "Oppenheimer", 2023, "tt15398776", 872585),
    _m("leon", "Léon: The Professional", 1994, "tt0110413", 101, original="Léon"),
    _m("good-bad-ugly", "The Good, the Bad and the Ugly", 1966, "tt0060196", 429,
       original="Il buono, il brutto, il cattivo"),
    _m("scarface-1983", "Scarface", 1983, "tt0086250", 111),
    _m("scarface-1932", "Scarface", 1932, "tt0023427", 877, agent="imdb"),
    _m("wall-e", "WALL·E", 2008, "tt0910970", 10681),
    _m("mononoke", "Princess Mononoke", 1997, "tt0119698", 128, original="もののけ姫"),
    _m("nosferatu-1922-a", "Nosferatu", 1922, None, None, agent="local"),
    _m("nosferatu-1922-b", "Nosferatu", 1922, None, None, agent="local"),
    _m("home-movie", "Holiday at the Lake", 2019, None, None, agent="local"),
    # -- section 2: TV Shows -------------------------------------------------------------------------------
    _show("breaking-bad", "Breaking Bad", 2008, "tt0903747", 1396, 81189, rating=10.0),
    _season("breaking-bad-s1", "breaking-bad", 1, 2008),
    _ep("breaking-bad-s1e1", "breaking-bad-s1", 1, "Pilot", 2008, "tt0959621", views=1),
    _ep("breaking-bad-s1e2", "breaking-bad-s1", 2, "Cat's in the Bag...", 2008, views=1),
    _ep("breaking-bad-s1e3", "breaking-bad-s1", 3, "...And the Bag's in the River", 2008),
    _season("breaking-bad-s2", "breaking-bad", 2, 2009),
    _ep("breaking-bad-s2e1", "breaking-bad-s2", 1, "Seven Thirty-Seven", 2009),
    _ep("breaking-bad-s2e2", "breaking-bad-s2", 2, "Grilled", 2009),
    _show("got", "Game of Thrones", 2011, "tt0944947", 1399, 121361),
    _season("got-s1", "got", 1, 2011),
    _ep("got-s1e1", "got-s1", 1, "Winter Is Coming", 2011, "tt1480055", 3254641, rating=8.0, views=1),
    _ep("got-s1e2", "got-s1", 2, "The Kingsroad", 2011),
    _ep("got-s1e3", "got-s1", 3, "Lord Snow", 2011),
    _show("chernobyl", "Chernobyl", 2019, "tt7366338", 87108, 360893),
    _season("chernobyl-s1", "chernobyl", 1, 2019),
    _ep("chernobyl-s1e1", "chernobyl-s1", 1, "1:23:45", 2019),
    _ep("chernobyl-s1e2", "chernobyl-s1", 2, "Please Remain Calm", 2019),
    _ep("chernobyl-s1e3", "chernobyl-s1", 3, "Open Wide, O Earth", 2019),
    _show("the-office", "The Office (US)", 2005, "tt0386676", None, 73244, agent="tvdb"),
    _season("the-office-s1", "the-office", 1, 2005),
    _ep("the-office-s1e1", "the-office-s1", 1, "Pilot", 2005, views=2),
    _ep("the-office-s1e2", "the-office-s1", 2, "Diversity Day", 2005, views=1),
    _show("sherlock", "Sherlock", 2010, "tt1475582", 19885, 176941),
    _season("sherlock-s1", "sherlock", 1, 2010),
    _ep("sherlock-s1e1", "sherlock-s1", 1, "A Study in Pink", 2010),
    _show("dark", "Dark", 2017, "tt5753856", 70523, None),
    _season("dark-s1", "dark", 1, 2017),
    _ep("dark-s1e1", "dark-s1", 1, "Secrets", 2017),
    # -- section 3: Movies 4K (same films as HD copies in section 1) ---------------------------------------
    _m("les-mis-4k", "Les Misérables", 2012, "tt1707386", 82695, section=3),
    _m("dune-2021-4k", "Dune", 2021, "tt1160419", 438631, section=3),
)

_PLEX_KIND = {"movie": "movie", "show": "show", "season": "season", "episode": "episode"}


def _plex_hex(slug: str) -> str:
    return hashlib.sha1(slug.encode()).hexdigest()[:24]


def _guids(d: DemoItem, parent_chain: list[DemoItem]) -> tuple[str, tuple[str, ...]]:
    """Primary guid and Guid children for one entry, following its (or its show's) agent."""
    agent = parent_chain[0].agent if parent_chain else d.agent
    if agent == "plex":
        children = tuple(f"{p}://{v}" for p, v in (("imdb", d.imdb_id), ("tmdb", d.tmdb_id), ("tvdb", d.tvdb_id))
                         if v is not None)
        return f"plex://{_PLEX_KIND[d.type]}/{_plex_hex(d.slug)}", children
    if agent == "local":
        return f"local://{int(_plex_hex(d.slug)[:6], 16)}", ()
    if d.type in ("season", "episode"):
        show = parent_chain[0]
        path = "/".join(str(p.index) for p in [*parent_chain[1:], d])
        base = _guids(show, [])[0].split("?", 1)[0]
        return f"{base}/{path}?lang=en", ()
    if agent == "imdb":
        return f"com.plexapp.agents.imdb://{d.imdb_id}?lang=en", ()
    if agent == "tmdb":
        return f"com.plexapp.agents.themoviedb://{d.tmdb_id}?lang=en", ()
    return f"com.plexapp.agents.thetvdb://{d.tvdb_id}?lang=en", ()


def demo_library() -> Library:
    """Sections 1 "Movies", 2 "TV Shows" and 3 "Movies 4K", filled from `DEMO_ITEMS` (keys from 100 on)."""
    lib = Library()
    default_sections(lib)
    lib.sections[3] = Section(3, "Movies 4K", "movie", "tv.plex.agents.movie", "Plex Movie",
                              "6b1f0c2e-3333-4a5b-9c3d-cccccccccccc", "/data/movies-4k")
    by_slug: dict[str, tuple[DemoItem, Item]] = {}
    for d in DEMO_ITEMS:
        chain: list[DemoItem] = []
        parent = d.parent
        while parent is not None:
            chain.insert(0, by_slug[parent][0])
            parent = by_slug[parent][0].parent
        guid, guids = _guids(d, chain)
        parent_item = by_slug[d.parent][1] if d.parent else None
        item = Item(lib.new_key(), d.type, d.section, d.title, d.year, guid, guids,
                    original_title=d.original_title, index=d.index,
                    parent_key=parent_item.rating_key if parent_item else None,
                    grandparent_key=parent_item.parent_key if parent_item and d.type == "episode" else None,
                    added_at=1_700_000_000)
        if d.title.startswith("The "):
            item.title_sort = d.title[4:]
        if d.user_rating is not None:
            item.user_rating, item.last_rated_at = d.user_rating, 1_720_000_000
        if d.view_count:
            item.view_count, item.last_viewed_at = d.view_count, 1_710_000_000
        lib.add(item)
        by_slug[d.slug] = (d, item)
    return lib


def demo_item(slug: str) -> DemoItem:
    """Look up a demo entry by slug (KeyError if unknown)."""
    for d in DEMO_ITEMS:
        if d.slug == slug:
            return d
    raise KeyError(slug)
