"""The web flow over plain HTTP (no browser): one write per server across browsers, uploads deleted after the run,
the reports a run leaves, a file the readers refuse, and PLEX_URL/PLEX_TOKEN connecting at start (the container's
way). The rules themselves are the app layer's; these tests prove the web UI goes through them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from tests.emulator_fixtures import plextv_emulator
from tests.test_journal_helpers import csv_from_library
from tests.web_support import Browser, WebServer, messages, no_real_plextv, web_fixture  # noqa: F401 - fixtures

SAMPLE = files("ratings_to_plex.data") / "sample_imdb_ratings.csv"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with plextv_emulator(monkeypatch, EmulatorConfig(movies=300, shows=3, seed=5)) as e:
        yield e


def _connected(web: WebServer, emu: Emulator) -> Browser:
    browser = Browser(web)
    browser.post("/signin/token", url=emu.url, token=emu.token)
    assert 'data-testid="library"' in browser.page()
    return browser


def test_one_write_per_server_across_browsers_and_upload_deleted_after(web: WebServer, emu: Emulator,
                                                                      tmp_path: Path) -> None:
    export = tmp_path / "ratings.csv"
    csv_from_library(emu, export, 200)
    first, second = _connected(web, emu), _connected(web, emu)
    for browser in (first, second):
        browser.upload("ratings.csv", export.read_bytes())
        browser.post("/preview", library="1", type=["Movie"])
        page = browser.wait_idle()
        assert 'data-testid="preview-table"' in page, messages(page)
    area = Path(web.app.app.state.services.uploads.root)  # type: ignore[attr-defined]
    assert len([p for p in area.rglob("*") if p.is_file()]) == 2
    emu.faults.latency_ms = 200
    first.post("/write")
    page = second.page()
    assert 'data-testid="cancel"' in page and "Writing to Plex" in page  # the other browser sees the job
    second.post("/write")
    refused = messages(second.page())
    assert any("already being written" in m for m in refused), refused
    emu.faults.latency_ms = 0
    done = first.wait_idle()
    assert "Run 1 · done" in done
    assert len([p for p in area.rglob("*") if p.is_file()]) == 1  # the written run's upload is gone
    log = first.client.get("/runs/1/log")
    assert log.status_code == 200 and "Run 1" in log.text
    assert second.client.get("/runs/1/log").status_code == 404  # another browser's run reports are not served


def test_a_file_the_readers_refuse_is_named_and_deleted(web: WebServer) -> None:
    browser = Browser(web)
    browser.upload("notes.csv", b"just,some\nthing,else\n")
    shown = messages(browser.page())
    assert shown and "notes.csv" in shown[0]
    answer = browser.client.post(f"/upload?csrf={browser.csrf}", files={"file": ("notes.csv", b"a,b\n1,2\n")},
                                 headers={"Accept": "application/json"})  # as the page's script asks
    assert answer.status_code == 400 and "notes.csv" in answer.json()["error"]
    good = browser.client.post(f"/upload?csrf={browser.csrf}", files={"file": ("r.csv", SAMPLE.read_bytes())},
                               headers={"Accept": "application/json"})
    assert good.json() == {"detected": "r.csv: IMDb ratings, 2024 format (with Original Title) · 57 rows · "
                                       "3 cannot be used"}
    browser.client.post(f"/upload?csrf={browser.csrf}", files={"file": ("bad.csv", b"x")},
                        headers={"Accept": "application/json"})
    area = Path(web.app.app.state.services.uploads.root)  # type: ignore[attr-defined]
    assert [p.name for p in area.rglob("*") if p.is_file()] == ["r.csv"]  # refused files are gone at once


def test_plex_url_and_token_from_the_environment_connect_at_start(emu: Emulator,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEX_URL", emu.url)
    monkeypatch.setenv("PLEX_TOKEN", emu.token)
    for name, value in (("LIBRARY", "tv shows"), ("POLICY", "only-empty"), ("MARK_WATCHED", "1")):
        monkeypatch.setenv(f"RATINGS_TO_PLEX_{name}", value)  # the CLI's variables set the form's first values
    with WebServer() as web:
        page = Browser(web).page()
        assert "Connected to" in page and emu.token not in page
        assert re.search(r'<option value="2" title="TV library" selected>TV Shows</option>', page)
        assert '<option value="only-empty" selected>' in page
        assert re.search(r'name="mark_watched" value="1" data-testid="mark-watched" checked', page)


def test_preview_table_pages_sorts_and_filters_on_the_server(web: WebServer, emu: Emulator,
                                                             tmp_path: Path) -> None:
    export = tmp_path / "ratings.csv"
    csv_from_library(emu, export, 250)
    browser = _connected(web, emu)
    browser.upload("ratings.csv", export.read_bytes())
    browser.post("/preview", library="1", type=["Movie"])
    page = browser.wait_idle()
    assert "Page 1 of 2" in page
    rows = re.findall(r"<tr class=\"cat-[^\"]+\">\s*<td>([^<]*)</td>", browser.page("?sort=-title"))
    assert len(rows) == 200 and rows == sorted(rows, key=str.casefold, reverse=True)
    one = rows[0]
    filtered = re.findall(r"<tr class=\"cat-[^\"]+\">\s*<td>([^<]*)</td>", browser.page(f"?q={one}"))
    assert filtered and all(one.casefold() in title.casefold() for title in filtered)


def test_url_as_pasted_connects_and_sign_out_forgets(web: WebServer, emu: Emulator) -> None:
    browser = Browser(web)
    browser.post("/signin/token", url=emu.url.removeprefix("http://") + "/web/index.html#!/", token=emu.token)
    assert "Connected to" in browser.page()  # the app reads a URL without scheme, or Plex Web's address
    browser.post("/signout")
    page = browser.page()
    assert 'data-testid="signin-pin"' in page and "Connected to" not in page
    browser.post("/signin/token", url=emu.url, token="not-the-token")
    assert any("rejected" in m.casefold() or "token" in m.casefold() for m in messages(browser.page()))


def test_two_servers_of_one_name_are_told_apart_in_the_menu() -> None:
    from ratings_to_plex.plex.servers import ServerInfo
    from ratings_to_plex.web.views import _server_label

    first = ServerInfo("Plex Media Server", "aaaaaaaaaaaa", True, ("http://192.168.1.10:32400",))
    second = ServerInfo("Plex Media Server", "bbbbbbbbbbbb", True, ())
    other = ServerInfo("Home", "cccc", True, ())
    labels = [_server_label(s, [first, second, other]) for s in (first, second, other)]
    assert labels == ["Plex Media Server (192.168.1.10:32400)", "Plex Media Server (bbbbbbbb)", "Home"]


def test_a_damaged_journal_is_a_message_with_its_way_out(web: WebServer) -> None:
    from ratings_to_plex.paths import data_dir

    journal = data_dir() / "journal.sqlite3"
    journal.write_bytes(b"this is not a database" * 100)
    browser = Browser(web)
    page = browser.page()
    assert 'data-testid="journal-problem"' in page and "is damaged" in page
    browser.post("/journal/aside")
    page = browser.page()
    assert 'data-testid="journal-problem"' not in page and "No runs yet." in page
    assert any("moved aside" in m for m in messages(page))
    assert list(journal.parent.glob("journal.sqlite3.corrupt-*"))


def test_the_plex_token_is_in_no_page_stream_or_file(web: WebServer, emu: Emulator, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    csv_from_library(emu, export, 20)
    browser = _connected(web, emu)
    browser.upload("export.csv", export.read_bytes())
    browser.post("/preview", library="1", type=["Movie"])
    seen = [browser.wait_idle()]
    browser.post("/write")
    seen.append(browser.wait_idle())
    seen += [browser.page("?show=update"), browser.client.get("/signin/status").text,
             browser.client.get("/runs/1/log").text, browser.client.get("/runs/1/unmatched.csv").text]
    with browser.client.stream("GET", "/events") as stream:  # the live stream of a finished job: one `end`
        text = ""
        for chunk in stream.iter_text():
            text += chunk
            if "event: end" in text and text.endswith("\n\n"):
                break
        seen.append(text)
    assert '"state": "done"' in seen[-1]
    assert "Run 1 · done" in seen[1]
    assert all(emu.token not in text for text in seen)
    files_written = [p for p in tmp_path.rglob("*") if p.is_file() and p != export]
    assert any(p.name.startswith("RatingsUpdateLog_") for p in files_written)
    for path in files_written:  # config, journal, logs, reports of this test
        assert emu.token.encode() not in path.read_bytes(), path


def test_unreachable_plextv_says_so_and_leaves_the_token_form(web: WebServer) -> None:
    browser = Browser(web)  # its first page view asked plex.tv (a closed port here) for a PIN
    deadline = time.monotonic() + 30
    while browser.client.get("/signin/status").json()["state"] == "waiting":
        assert time.monotonic() < deadline, "the PIN request never failed"
        time.sleep(0.1)
    page = browser.page()
    assert 'data-testid="signin-error"' in page and "Cannot reach plex.tv" in page
    assert 'data-testid="plex-url"' in page and 'data-testid="signin-pin"' in page  # try again, or use a token


def test_dry_run_writes_reports_only_and_keeps_file_and_preview(web: WebServer, emu: Emulator,
                                                               tmp_path: Path) -> None:
    export = tmp_path / "ratings.csv"
    csv_from_library(emu, export, 30)
    before = {k: s.user_rating for k, s in emu.state().items()}
    browser = _connected(web, emu)
    browser.upload("ratings.csv", export.read_bytes())
    browser.post("/preview", library="1", type=["Movie"])
    browser.wait_idle()
    browser.post("/dry-run")
    page = browser.wait_idle()
    assert "Run 1 · dry run" in page and 'data-testid="preview-table"' in page  # the preview stays for the run
    assert {k: s.user_rating for k, s in emu.state().items()} == before  # nothing written
    assert browser.client.get("/runs/1/log").status_code == 200
    browser.post("/write")  # the file is still there: the real run follows
    assert "Run 2 · done" in browser.wait_idle()
    assert {k: s.user_rating for k, s in emu.state().items()} != before
