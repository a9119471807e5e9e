"""`--discover` end to end through the application session: real HTTP to the emulator's server and Discover sides.

Each test asserts final state on both sides (library ratings, the account's Discover ratings and views) and what was
sent (request counters), not just what the tool reports.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path

import pytest

from ratings_to_plex.app import AppSession, Connection, PlanOptions, ProgressUpdate, SyncOptions
from ratings_to_plex.app.events import Event
from ratings_to_plex.discover_plan import add_discover, discover_summary
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.emulator.discover_catalogue import Title
from ratings_to_plex.errors import UsageError
from ratings_to_plex.model import RunStatus, RunSummary
from ratings_to_plex.plex.credentials import forget_token, save_token
from ratings_to_plex.plex.discover import DISCOVER_ENV, PACE_ENV
from ratings_to_plex.plex.discover_items import WithDiscover
from ratings_to_plex.report import plan_summary

SAMPLES = Path(str(files("ratings_to_plex.data")))
IMDB = SAMPLES / "sample_imdb_ratings.csv"
LETTERBOXD = SAMPLES / "sample_letterboxd_ratings.csv"
IMDB_HEADER = ("Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,"
               "Genres,Num Votes,Release Date,Directors")
# The IMDb sample's rows that are in no library of the demo server, with the sample's ratings.
ONLINE = {"imdb://tt0095016": 9.0, "imdb://tt0038650": 9.0, "imdb://tt0000001": 7.0, "imdb://tt0386676": 9.0}


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True)) as e:
        monkeypatch.setenv(DISCOVER_ENV, e.discover_url)  # never the real service
        monkeypatch.setenv(PACE_ENV, "40")
        save_token(e.token)  # signed in: Discover uses the account's token
        yield e


@pytest.fixture
def session(tmp_path: Path) -> Iterator[AppSession]:
    s = AppSession(journal_path=tmp_path / "journal.sqlite3", report_dir=tmp_path / "reports", workers=4)
    yield s
    s.close()


def connect(session: AppSession, emu: Emulator) -> Connection:
    """A connection as the session opens it: Discover-aware, with the signed-in account's token."""
    conn = session.connect_url(emu.url, emu.token)
    assert isinstance(conn.client, WithDiscover)
    return conn


def sync(session: AppSession, emu: Emulator, file: Path, *, discover: bool = True, mark_watched: bool = False,
         cancel: threading.Event | None = None, on_event: Callable[[Event], None] | None = None) -> RunSummary:
    conn = connect(session, emu)
    source = session.read([file])[0]
    options = SyncOptions(all_libraries=True, plan=PlanOptions(mark_watched=mark_watched), discover=discover)
    plan = session.preview(conn, source, options)
    return session.write(conn, plan, cancel=cancel, on_event=on_event or (lambda _: None))


def online_ratings(emu: Emulator) -> dict[str, float]:
    """The account's Discover ratings by the titles' IMDb ids (or hex when a title has none)."""
    titles = emu.discover.catalogue.titles
    out = {}
    for key, value in emu.discover.rated(emu.token).items():
        imdb = next((g for g in titles[key].guids if g.startswith("imdb://")), key)
        out[imdb] = value
    return out


def discover_requests(emu: Emulator) -> dict[str, int]:
    return {k: v for k, v in emu.counters.snapshot().items() if "/discover/" in k}


def test_discover_rates_exactly_the_rows_missing_from_the_libraries(emu: Emulator, session: AppSession,
                                                                     tmp_path: Path) -> None:
    summary = sync(session, emu, IMDB)
    assert summary.status == RunStatus.DONE
    assert online_ratings(emu) == ONLINE  # nothing else was rated online, each with the export's value
    assert discover_requests(emu)["PUT /discover/actions/rate"] == len(ONLINE)  # one write per change
    assert discover_requests(emu)["GET /discover/library/metadata/matches"] == len(ONLINE)  # one lookup per id
    assert summary.counts["Not found in Plex"] == 0
    assert summary.counts["Rated on Discover"] == len(ONLINE) and summary.counts["Updated"] == 44  # apart
    assert summary.unmatched_csv is not None
    with summary.unmatched_csv.open(encoding="utf-8-sig") as fh:
        listed = {row["Const"] for row in csv.DictReader(fh)}
    assert listed and not listed & {guid[7:] for guid in ONLINE}  # rated online: no longer "unmatched"
    library = {k: s.user_rating for k, s in emu.state().items()}
    # The same file without --discover leaves the library exactly as it is now: Discover changed nothing there.
    other = AppSession(journal_path=tmp_path / "other.sqlite3", report_dir=tmp_path / "other", workers=4)
    with Emulator(EmulatorConfig(demo=True)) as plain:
        sync(other, plain, IMDB, discover=False)
        assert {k: s.user_rating for k, s in plain.state().items()} == library
    other.close()


def test_without_discover_nothing_is_sent_there(emu: Emulator, session: AppSession) -> None:
    summary = sync(session, emu, IMDB, discover=False, mark_watched=True)
    assert summary.counts["Not found in Plex"] == 4
    assert discover_requests(emu) == {} and emu.discover.rated(emu.token) == {}


def test_429s_are_honoured_and_every_title_still_rated(emu: Emulator, session: AppSession,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PACE_ENV, "100")  # far faster than the service allows
    emu.discover.limits.burst, emu.discover.limits.per_second, emu.discover.limits.retry_after = 2, 4.0, 0.3
    summary = sync(session, emu, IMDB)
    assert online_ratings(emu) == ONLINE and summary.counts["Rate failed errors"] == 0
    assert emu.discover.throttled > 0 and emu.discover.early == 0  # 429s happened, and each wait was kept


def test_undo_restores_the_previous_discover_ratings(emu: Emulator, session: AppSession) -> None:
    die_hard = emu.discover.find("imdb://tt0095016")
    assert die_hard is not None
    emu.discover.set_rating(emu.token, die_hard.key, 6.0)  # rated earlier in a Plex app
    summary = sync(session, emu, IMDB, mark_watched=True)
    assert online_ratings(emu) == ONLINE
    conn = connect(session, emu)
    undo = session.write(conn, session.plan_undo(conn, summary.run_id))
    assert undo.status == RunStatus.DONE
    assert online_ratings(emu) == {"imdb://tt0095016": 6.0}  # the old rating is back, the new ones are cleared
    assert all(s.view_count == 0 for s in emu.discover.account(emu.token).values())  # marks taken back


def test_letterboxd_rows_are_searched_and_two_candidates_are_not_guessed(emu: Emulator, session: AppSession,
                                                                         tmp_path: Path) -> None:
    for n in (1, 2):  # two different films called "Eden" from the same year
        emu.discover.catalogue.add(Title(f"{n:024x}", "movie", "Eden", 2014, (f"tmdb://9000{n}",)))
    file = tmp_path / "ratings.csv"
    file.write_text("Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Eden,2014,https://boxd.it/x1,4\n"
                    "2024-01-02,Past Lives,2023,https://boxd.it/x2,4.5\n"
                    "2024-01-03,Past Lives,2021,https://boxd.it/x3,2\n", encoding="utf-8")
    summary = sync(session, emu, file)
    assert online_ratings(emu) == {"imdb://tt13238346": 9.0}  # Past Lives (2023) only; the wrong year is not it
    assert summary.counts["Not found in Plex"] == 2
    assert summary.unmatched_csv is not None
    reasons = {r["Name"] + r["Year"]: r["Reason"] for r in csv.DictReader(
        summary.unmatched_csv.open(encoding="utf-8-sig"))}
    assert "2 titles on Plex Discover" in reasons["Eden2014"] and "not guessed" in reasons["Eden2014"]
    assert "Past Lives2021" in reasons


def test_bundled_letterboxd_sample_finds_its_missing_films_by_search(emu: Emulator, session: AppSession) -> None:
    summary = sync(session, emu, LETTERBOXD)
    assert sorted(online_ratings(emu).values()) == [9.0, 9.0, 9.0]  # Dune: Part Two, Past Lives, Paddington 2
    assert summary.counts["Not found in Plex"] == 0 and summary.counts["Ambiguous"] == 1  # Nosferatu: library's


def test_mark_watched_online_never_twice(emu: Emulator, session: AppSession) -> None:
    die_hard = emu.discover.find("imdb://tt0095016")
    assert die_hard is not None
    emu.discover.user_state(emu.token, die_hard.key).view_count = 1  # already watched on the account
    sync(session, emu, IMDB, mark_watched=True)
    assert discover_requests(emu)["GET /discover/actions/scrobble"] == len(ONLINE) - 1
    sync(session, emu, IMDB, mark_watched=True)  # a second run marks nothing again
    assert discover_requests(emu)["GET /discover/actions/scrobble"] == len(ONLINE) - 1
    assert all(s.view_count == 1 for s in emu.discover.account(emu.token).values())


def test_resume_finishes_the_discover_changes(emu: Emulator, session: AppSession, tmp_path: Path) -> None:
    file = tmp_path / "online_only.csv"
    kinds = {"imdb://tt0386676": "TV Series"}
    file.write_text(IMDB_HEADER + "\n" + "\n".join(
        f"{i[7:]},{int(r)},2024-05-12,T,T,https://www.imdb.com/title/{i[7:]},{kinds.get(i, 'Movie')},"
        f"8,100,2000,Drama,1000,2000-01-01,X" for i, r in ONLINE.items()) + "\n", encoding="utf-8")
    cancel = threading.Event()

    def stop_after_first(event: Event) -> None:
        if isinstance(event, ProgressUpdate) and event.done >= 1:
            cancel.set()

    session.workers = 1
    first = sync(session, emu, file, cancel=cancel, on_event=stop_after_first)
    assert first.status == RunStatus.CANCELLED and 1 <= len(emu.discover.rated(emu.token)) < len(ONLINE)
    conn = connect(session, emu)
    resumed = session.write(conn, session.plan_resume(conn, first.run_id))
    assert resumed.status == RunStatus.DONE and online_ratings(emu) == ONLINE
    assert resumed.counts["Rated on Discover"] == len(ONLINE) and resumed.counts["Updated"] == 0
    assert discover_requests(emu)["PUT /discover/actions/rate"] == len(ONLINE)  # nothing written twice


def test_plan_shows_discover_changes_apart(emu: Emulator, session: AppSession) -> None:
    conn = connect(session, emu)
    plan = session.preview(conn, session.read([IMDB])[0], SyncOptions(all_libraries=True))
    assert discover_summary(plan) is None
    assert isinstance(conn.client, WithDiscover)
    add_discover(plan, conn.client)
    assert discover_summary(plan) == f"On Plex Discover (not in your libraries): {len(ONLINE)}"
    assert f"On Plex Discover (not in your libraries): {len(ONLINE)}" in plan_summary(plan)
    assert emu.discover.rated(emu.token) == {}  # planning writes nothing
    online = [c.item.section_id for c in plan.changes if c.item.title == "Die Hard"]
    assert conn.library_names(online) == {online[0]: "Plex Discover"}  # how every interface names the "library"


def test_discover_needs_a_signed_in_account(emu: Emulator, session: AppSession) -> None:
    forget_token()
    conn = connect(session, emu)
    plan = session.preview(conn, session.read([IMDB])[0], SyncOptions(all_libraries=True))
    assert isinstance(conn.client, WithDiscover)
    with pytest.raises(UsageError, match="login"):
        add_discover(plan, conn.client)
    assert discover_requests(emu) == {}


def test_undo_in_a_new_session_still_knows_where_the_titles_are(emu: Emulator, session: AppSession,
                                                                tmp_path: Path) -> None:
    summary = sync(session, emu, IMDB)
    later = AppSession(journal_path=session.journal_path, report_dir=tmp_path / "later")  # another process
    conn = connect(later, emu)
    undo = later.write(conn, later.plan_undo(conn, summary.run_id))
    later.close()
    assert undo.status == RunStatus.DONE and emu.discover.rated(emu.token) == {}


def test_a_scrobble_whose_answer_is_lost_is_not_sent_again(emu: Emulator, session: AppSession,
                                                           tmp_path: Path) -> None:
    file = tmp_path / "one.csv"
    file.write_text(IMDB_HEADER + "\ntt0095016,9,2024-05-12,Die Hard,Die Hard,https://www.imdb.com/title/tt0095016,"
                    "Movie,8.2,132,1988,Action,950000,1988-07-20,John McTiernan\n", encoding="utf-8")
    emu.discover.lose_answers = 1  # it lands, but the tool hears a 500
    summary = sync(session, emu, file, mark_watched=True)
    assert summary.counts["Rate failed errors"] == 0 and summary.counts["Marked watched"] == 1
    assert discover_requests(emu)["GET /discover/actions/scrobble"] == 1  # read back, seen watched, not resent
    assert [s.view_count for s in emu.discover.account(emu.token).values()] == [1]
