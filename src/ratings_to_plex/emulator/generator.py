"""Deterministic library generator: any size, realistic mix of agents, titles and user state.

Ids and titles come from bijective index permutations (so they are unique without bookkeeping) and a seeded RNG
decides the mix, which keeps 100,000+ items well under a second and identical for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .library import Item, Library, Section
from .words import ADJECTIVES, ARTICLE_WORDS, FOREIGN_TITLES, NOUNS, PLACES, SHOW_WORDS

_NOW = 1_735_689_600
MOVIE_SECTION = 1
SHOW_SECTION = 2


def default_sections(library: Library) -> tuple[Section, Section]:
    """Sections 1 "Movies" and 2 "TV Shows" (INTERFACES.md), added to `library`."""
    movies = Section(MOVIE_SECTION, "Movies", "movie", "tv.plex.agents.movie", "Plex Movie",
                     "6b1f0c2e-1111-4a5b-9c3d-aaaaaaaaaaaa", "/data/movies")
    shows = Section(SHOW_SECTION, "TV Shows", "show", "tv.plex.agents.series", "Plex TV Series",
                    "6b1f0c2e-2222-4a5b-9c3d-bbbbbbbbbbbb", "/data/tv")
    library.sections[movies.key] = movies
    library.sections[shows.key] = shows
    return movies, shows


@dataclass
class _Ids:
    """Unique id streams: `k * step mod span` is a bijection on [0, span) when gcd(step, span) = 1."""

    seed: int
    counter: int = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def imdb(self, k: int) -> str:
        n = (self.seed * 7_777_777 + k * 3_632_779) % 90_000_000 + 100_000  # up to 8 digits
        return f"tt{n:07d}" if n < 10_000_000 else f"tt{n}"

    def tmdb(self, k: int) -> int:
        return (self.seed * 1_009 + k * 7_919) % 9_000_000 + 10

    def tvdb(self, k: int) -> int:
        return (self.seed * 2_003 + k * 104_729) % 9_000_000 + 70_000

    def plex(self, k: int) -> str:
        return f"{(self.seed * 0x9E3779B97F4A7C15 + k * 0x5DEECE66D1234567) % (1 << 96):024x}"


def _title(k: int, seed: int) -> str:
    """A unique English-ish title for index k (mixed-radix over the word lists, permuted by seed)."""
    na, nn, npl = len(ADJECTIVES), len(NOUNS), len(PLACES)
    space = na * nn * npl * 4
    n = (seed * 7_919 + k * 1_000_003) % space
    adj, n = ADJECTIVES[n % na], n // na
    noun, n = NOUNS[n % nn], n // nn
    place, form = PLACES[n % npl], n // npl
    if form == 0:
        return f"The {adj} {noun} of {place}"
    if form == 1:
        return f"{adj} {noun} in {place}"
    if form == 2:
        return f"{place}: The {adj} {noun}"
    return f"A {adj} {noun} for {place}"


def _sort_title(title: str) -> str | None:
    first, _, rest = title.partition(" ")
    return rest if first in ARTICLE_WORDS and rest else None


def _user_state(rng: random.Random, item: Item, *, rated: float, watched: float) -> None:
    if rng.random() < rated:
        item.user_rating = rng.randint(2, 20) / 2  # 1.0–10.0 in half steps
        item.last_rated_at = _NOW - rng.randint(0, 3_000) * 86_400
        if item.rating_key % 6 == 0:  # real servers have older ratings with no lastRatedAt at all
            item.last_rated_at = None
    if rng.random() < watched:
        item.view_count = rng.randint(1, 3)
        item.last_viewed_at = _NOW - rng.randint(0, 3_000) * 86_400


def _movie(lib: Library, rng: random.Random, ids: _Ids, k: int, titles: list[tuple[str, int]]) -> Item:
    title, year = _title(k, ids.seed), rng.randint(1925, 2024)
    roll = rng.random()
    if titles and roll < 0.02:  # remake: an earlier title, another year
        prev_title, prev_year = titles[rng.randrange(len(titles))]
        title, year = prev_title, prev_year + rng.choice((-30, -17, -9, 8, 12, 21))
    elif titles and roll < 0.023:  # exact duplicate: same title and year, different ids (ambiguous)
        title, year = titles[rng.randrange(len(titles))]
    titles.append((title, year))
    n = ids.next()
    imdb, tmdb = ids.imdb(n), ids.tmdb(n)
    agent = rng.random()
    if agent < 0.70:
        guid = f"plex://movie/{ids.plex(n)}"
        guids: tuple[str, ...] = (f"imdb://{imdb}", f"tmdb://{tmdb}") if rng.random() > 0.03 else (f"tmdb://{tmdb}",)
        if n % 3 == 0:  # real new-agent films carry TVDB movie ids too (their own namespace)
            guids = (*guids, f"tvdb://{ids.tvdb(n)}")
    else:
        guid, guids = _legacy_movie_guid(agent, n, imdb, tmdb), ()
    item = Item(lib.new_key(), "movie", MOVIE_SECTION, title, year, guid, guids,
                title_sort=_sort_title(title), added_at=_NOW - rng.randint(0, 4_000) * 86_400)
    if rng.random() < 0.05:  # localized library title; the original one stays in originalTitle
        item.original_title, item.title = title, FOREIGN_TITLES[n % len(FOREIGN_TITLES)] + f" {k % 97 + 1}"
        item.title_sort = None
    _user_state(rng, item, rated=0.10, watched=0.15)
    return lib.add(item)


def _legacy_movie_guid(agent: float, n: int, imdb: str, tmdb: int) -> str:
    """The primary guid of a film matched by an old agent: IMDb, Kodi NFO (IMDb or TMDb id), TMDb, HAMA, or none."""
    if agent < 0.86:
        return f"com.plexapp.agents.imdb://{imdb}?lang=en"
    if agent < 0.88:
        return f"com.plexapp.agents.xbmcnfo://{imdb}?lang=xn"
    if agent < 0.89:
        return f"com.plexapp.agents.xbmcnfo://{tmdb}?lang=xn"
    if agent < 0.95:
        return f"com.plexapp.agents.themoviedb://{tmdb}?lang=en"
    if agent < 0.96:
        return f"com.plexapp.agents.hama://anidb-{n}?lang=en"
    return f"local://{n}"


#: Old TV agents (upper bound of the random roll, guid prefix before the TVDB id, ?lang= suffix).
_LEGACY_TV: tuple[tuple[float, str, str], ...] = (
    (0.90, "com.plexapp.agents.thetvdb://", "?lang=en"),
    (0.93, "com.plexapp.agents.thetvdbdvdorder://", "?lang=en"),
    (0.95, "com.plexapp.agents.hama://tvdb-", "?lang=en"),
    (0.97, "com.plexapp.agents.xbmcnfotv://", "?lang=xn"),
)


def _show(lib: Library, rng: random.Random, ids: _Ids, k: int, episodes: int) -> None:
    word = SHOW_WORDS[k % len(SHOW_WORDS)]
    title = f"{_title(k + 7_000_000, ids.seed)} {word}" if k % 3 else _title(k + 7_000_000, ids.seed)
    year = rng.randint(1990, 2024)
    n = ids.next()
    tvdb, legacy = ids.tvdb(n), rng.random()
    new_agent = legacy < 0.72
    if new_agent:
        guid = f"plex://show/{ids.plex(n)}"
        guids: tuple[str, ...] = (f"imdb://{ids.imdb(n)}", f"tmdb://{ids.tmdb(n)}", f"tvdb://{tvdb}")
        base = lang = ""
    else:
        prefix, lang = next(((p, lang) for bound, p, lang in _LEGACY_TV if legacy < bound), ("", ""))
        base = f"{prefix}{tvdb}" if prefix else ""
        guid, guids = (f"{base}{lang}" if base else f"local://{n}"), ()
    show = lib.add(Item(lib.new_key(), "show", SHOW_SECTION, title, year, guid, guids,
                        title_sort=_sort_title(title), added_at=_NOW - rng.randint(0, 4_000) * 86_400))
    _user_state(rng, show, rated=0.10, watched=0.0)
    seasons = max(1, min(episodes, 1 + k % 3)) if episodes else 0
    fully_watched = rng.random() < 0.15
    done = 0
    for s in range(1, seasons + 1):
        count = episodes // seasons + (1 if s <= episodes % seasons else 0)
        sn = ids.next()
        s_guid = f"plex://season/{ids.plex(sn)}" if new_agent else (f"{base}/{s}{lang}" if base else f"local://{sn}")
        season = lib.add(Item(lib.new_key(), "season", SHOW_SECTION, f"Season {s}", year + s - 1, s_guid,
                              index=s, parent_key=show.rating_key, added_at=show.added_at))
        for e in range(1, count + 1):
            en = ids.next()
            if new_agent:
                e_guid = f"plex://episode/{ids.plex(en)}"
                e_guids: tuple[str, ...] = (f"imdb://{ids.imdb(en)}", f"tvdb://{ids.tvdb(en)}")
            else:
                e_guid, e_guids = (f"{base}/{s}/{e}{lang}" if base else f"local://{en}"), ()
            ep = lib.add(Item(lib.new_key(), "episode", SHOW_SECTION, _episode_title(en, e), year + s - 1,
                              e_guid, e_guids, index=e, parent_key=season.rating_key,
                              grandparent_key=show.rating_key, added_at=show.added_at))
            done += 1
            _user_state(rng, ep, rated=0.05, watched=0.0)
            if fully_watched or rng.random() < 0.15:
                ep.view_count, ep.last_viewed_at = 1, _NOW - rng.randint(0, 3_000) * 86_400


def _episode_title(n: int, e: int) -> str:
    return "Pilot" if e == 1 and n % 4 == 0 else f"{NOUNS[n % len(NOUNS)]} {ADJECTIVES[(n // 7) % len(ADJECTIVES)]}"


def generate_library(movies: int = 200, shows: int = 20, episodes_per_show: int = 6, seed: int = 1) -> Library:
    """A deterministic library: section 1 with `movies` movies, section 2 with `shows` shows of
    `episodes_per_show` episodes spread over 1–3 seasons."""
    lib = Library()
    default_sections(lib)
    rng = random.Random(seed)
    ids = _Ids(seed % 1_000_003)
    titles: list[tuple[str, int]] = []
    for k in range(movies):
        _movie(lib, rng, ids, k, titles)
    for k in range(shows):
        _show(lib, rng, ids, k, episodes_per_show)
    return lib
