"""The emulator's generated and demo libraries, its XML shapes, and the `python -m` entry point."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

from ratings_to_plex.emulator import DEMO_ITEMS, Emulator, EmulatorConfig, demo_library, generate_library
from ratings_to_plex.emulator.library import Item, Library
from ratings_to_plex.emulator.render import render_item

IMDB = re.compile(r"^tt\d{7,8}$")


def _fields(lib: Library) -> list[tuple[object, ...]]:
    return [(i.rating_key, i.type, i.title, i.original_title, i.year, i.guid, i.guids, i.user_rating, i.view_count,
             i.parent_key) for i in lib.items.values()]


def test_generator_is_deterministic_per_seed() -> None:
    assert _fields(generate_library(300, 10, 4, seed=7)) == _fields(generate_library(300, 10, 4, seed=7))
    assert _fields(generate_library(300, 10, 4, seed=7)) != _fields(generate_library(300, 10, 4, seed=8))


def test_generator_mix() -> None:
    lib = generate_library(5_000, 200, 10, seed=1)
    movies = [lib.items[k] for k in lib.sections[1].keys_by_type["movie"]]
    assert len(movies) == 5_000
    kinds = Counter(m.guid.split("://")[0] for m in movies)
    assert 0.65 < kinds["plex"] / 5_000 < 0.75
    legacy = sum(n for k, n in kinds.items() if k.startswith("com.plexapp.agents."))
    assert 0.20 < legacy / 5_000 < 0.30 and kinds["com.plexapp.agents.themoviedb"] > 0
    assert kinds["com.plexapp.agents.xbmcnfo"] > 0 and kinds["com.plexapp.agents.hama"] > 0  # Kodi NFO, anime
    assert any(m.guid.startswith("com.plexapp.agents.xbmcnfo://tt") for m in movies)
    assert any(m.guid.startswith("com.plexapp.agents.xbmcnfo://") and "://tt" not in m.guid for m in movies)
    assert any(g.startswith("tvdb://") for m in movies for g in m.guids)  # films carry TVDB ids too
    assert 0 < kinds["local"] / 5_000 < 0.08
    rated = [m for m in movies if m.user_rating is not None]
    assert 0.07 < len(rated) / 5_000 < 0.13
    assert 0 < sum(m.last_rated_at is None for m in rated) < len(rated) / 3  # older ratings have no date
    assert all(2 * m.user_rating == int(2 * m.user_rating) for m in movies if m.user_rating is not None)
    assert 0.12 < sum(m.view_count > 0 for m in movies) / 5_000 < 0.18
    assert 0.03 < sum(m.original_title is not None for m in movies) / 5_000 < 0.07
    by_title: dict[str, set[int | None]] = {}
    pairs = Counter((m.title, m.year) for m in movies)
    for m in movies:
        by_title.setdefault(m.title, set()).add(m.year)
    assert sum(len(years) > 1 for years in by_title.values()) >= 20  # remakes
    assert 3 <= sum(n > 1 for n in pairs.values()) <= 50  # a few exact duplicates
    assert any(re.search(r"[^\x00-\u024f]", m.title) for m in movies)  # non-Latin scripts
    assert any(re.search(r"[À-ž]", m.title) for m in movies)  # accents
    imdb_ids = [i.imdb_id for i in lib.items.values() if i.imdb_id]
    assert len(imdb_ids) == len(set(imdb_ids)) and all(IMDB.match(x) for x in imdb_ids)
    assert any(len(x) == 10 for x in imdb_ids) and any(len(x) == 9 for x in imdb_ids)


def test_generated_tv_structure() -> None:
    lib = generate_library(0, 30, 10, seed=2)
    shows = [lib.items[k] for k in lib.sections[2].keys_by_type["show"]]
    assert len(shows) == 30 and all(len(lib.leaves(s)) == 10 for s in shows)
    episodes = [lib.items[k] for k in lib.sections[2].keys_by_type["episode"]]
    new_eps = [e for e in episodes if e.guid.startswith("plex://episode/")]
    assert new_eps and all(e.imdb_id for e in new_eps)
    legacy = [e for e in episodes if e.guid.startswith("com.plexapp.agents.thetvdb://")]
    assert legacy and all(re.match(r"^com\.plexapp\.agents\.thetvdb://\d+/\d+/\d+\?lang=en$", e.guid) for e in legacy)
    seasons = [lib.items[k] for k in lib.sections[2].keys_by_type["season"]]
    assert any(re.match(r"^com\.plexapp\.agents\.thetvdb://\d+/\d\?lang=en$", s.guid) for s in seasons)
    assert all(lib.items[e.grandparent_key or 0].type == "show" for e in episodes)


def test_large_library_is_fast() -> None:
    t = time.perf_counter()
    lib = generate_library(50_000, 5_000, 10, seed=1)
    assert time.perf_counter() - t < 3.0
    assert len(lib.sections[1].keys_by_type["movie"]) == 50_000
    assert len(lib.sections[2].keys_by_type["episode"]) == 50_000
    with Emulator(EmulatorConfig(), library=lib) as e:
        s = requests.Session()
        t = time.perf_counter()
        sizes = []
        for start in range(0, 50_000, 1000):
            r = s.get(e.url + "/library/sections/1/all?type=1&includeGuids=1", timeout=10,
                      headers={"X-Plex-Token": e.token, "X-Plex-Container-Start": str(start),
                               "X-Plex-Container-Size": "1000"})
            sizes.append(r.text.count("<Video "))
        assert sizes == [1000] * 50 and time.perf_counter() - t < 5.0


def test_item_xml_shapes() -> None:
    lib = demo_library()
    godfather = lib.find(imdb_id="tt0068646")[0]
    xml = render_item(lib, godfather, guids=True, with_section=False)
    assert 'userRating="10.0"' in xml and 'lastRatedAt="' in xml and '<Guid id="imdb://tt0068646"/>' in xml
    inception = lib.find(imdb_id="tt1375666")[0]
    xml = render_item(lib, inception, guids=False, with_section=True)
    assert "userRating" not in xml and "lastRatedAt" not in xml and "viewCount" not in xml and "<Guid" not in xml
    assert 'librarySectionID="1"' in xml
    amelie = lib.find(imdb_id="tt0211915")[0]
    xml = render_item(lib, amelie, guids=False, with_section=False)
    assert 'originalTitle="Le Fabuleux Destin d\'Amélie Poulain"' in xml
    show = lib.find(imdb_id="tt0903747")[0]
    xml = render_item(lib, show, guids=False, with_section=False)
    assert xml.startswith("<Directory ") and 'type="show"' in xml and 'leafCount="5"' in xml
    pilot = lib.find(imdb_id="tt0959621")[0]
    xml = render_item(lib, pilot, guids=True, with_section=False)
    assert 'grandparentTitle="Breaking Bad"' in xml and 'parentIndex="1"' in xml and 'index="1"' in xml


def test_demo_library_cases() -> None:
    lib = demo_library()
    slugs = [d.slug for d in DEMO_ITEMS]
    assert len(slugs) == len(set(slugs))
    assert sum(d.type == "movie" for d in DEMO_ITEMS) >= 45
    assert all(IMDB.match(d.imdb_id) for d in DEMO_ITEMS if d.imdb_id)
    assert [lib.sections[k].title for k in sorted(lib.sections)] == ["Movies", "TV Shows", "Movies 4K"]
    assert {(i.title, i.year) for i in lib.find(title="Dune")} == {("Dune", 2021), ("Dune", 1984)}
    assert sorted(i.section_id for i in lib.find(imdb_id="tt1707386")) == [1, 3]
    nosferatu = lib.find(title="Nosferatu", year=1922)
    assert len(nosferatu) == 2 and all(i.guid.startswith("local://") for i in nosferatu)
    assert lib.find(imdb_id="tt0068646")[0].user_rating == 10.0
    spirited = lib.find(imdb_id="tt0245429")[0]
    assert spirited.original_title == "千と千尋の神隠し"
    assert lib.find(imdb_id="tt0110912")[0].guid == "com.plexapp.agents.imdb://tt0110912?lang=en"
    office_pilot = next(i for i in lib.items.values() if i.type == "episode" and i.title == "Pilot"
                        and i.guid.startswith("com.plexapp.agents.thetvdb://73244/"))
    assert office_pilot.guid == "com.plexapp.agents.thetvdb://73244/1/1?lang=en"
    tmdb_only: list[Item] = [i for i in lib.items.values() if i.guids == ("tmdb://582",)]
    assert [i.title for i in tmdb_only] == ["The Lives of Others"]
    assert any(s.view_count for s in lib.state().values())


def test_main_prints_url_and_token_then_stops_on_sigterm() -> None:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ratings_to_plex.emulator", "--movies", "5", "--shows", "1", "--token", "tok123"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        url_line, token_line = proc.stdout.readline(), proc.stdout.readline()
        assert re.fullmatch(r"URL: http://127\.0\.0\.1:\d+\n", url_line)
        assert token_line == "TOKEN: tok123\n"
        url = url_line.split(" ", 1)[1].strip()
        r = requests.get(url + "/library/sections/1/all", timeout=5,
                         headers={"X-Plex-Token": "tok123", "X-Plex-Container-Size": "100"})
        assert r.text.count("<Video ") == 5
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
