"""Ratings out and back in the web UI, through real HTTP to the web app and the strict emulator: a JSON export
downloaded from the page and restored from the page puts every rating back (and the restore is undone from History),
Letterboxd exports download (several parts also as a zip), and Discover says up front that it needs a Plex sign-in.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from ratings_to_plex.app import JobRunner
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.export import ExportResult
from ratings_to_plex.plex.client import PlexClient
from ratings_to_plex.web.backups import export
from ratings_to_plex.web.flow import Flow, Services
from ratings_to_plex.web.uploads import UploadArea
from tests.emulator_fixtures import plextv_emulator
from tests.test_journal_helpers import csv_from_library
from tests.web_support import Browser, WebServer, messages, no_real_plextv, web_fixture  # noqa: F401 - fixtures


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with plextv_emulator(monkeypatch, EmulatorConfig(movies=150, shows=3, seed=8)) as e:
        yield e


def ratings(emu: Emulator) -> dict[int, float | None]:
    return {key: state.user_rating for key, state in emu.state().items()}


def _connected(web: WebServer, emu: Emulator) -> Browser:
    browser = Browser(web)
    browser.post("/signin/token", url=emu.url, token=emu.token)
    page = browser.page()
    assert 'data-testid="export"' in page and 'data-testid="restore-file"' in page, messages(page)
    return browser


def test_export_json_then_restore_in_the_page_puts_every_rating_back(web: WebServer, emu: Emulator) -> None:
    browser = _connected(web, emu)
    before = ratings(emu)
    browser.post("/export", library="*", format="json")
    page = browser.page()
    assert 'data-testid="export-download"' in page and 'data-testid="export-zip"' not in page, messages(page)
    download = browser.client.get("/exports/1")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    backup = download.content
    items = json.loads(backup)["items"]
    assert len(items) == sum(1 for v in before.values() if v is not None) > 5

    client = PlexClient.connect(emu.url, emu.token)
    kinds = {item["rating_key"]: item["type"] for item in items}
    rated = list(kinds)
    unrated = next(key for key, value in before.items() if value is None and emu.state()[key] and key not in kinds)
    client.rate(rated[0], kinds[rated[0]], None)  # cleared since the backup
    client.rate(rated[1], kinds[rated[1]], 1.0)  # changed since
    client.rate(unrated, "movie", 7.0)  # rated since: the restore clears it
    changed = ratings(emu)
    assert changed != before

    answer = browser.client.post(f"/restore/upload?csrf={browser.csrf}", headers={"Accept": "text/html"},
                                 files={"backup": ("backup.json", backup, "application/json")})
    assert answer.status_code == 303
    page = browser.page()
    assert 'data-testid="restore-backup"' in page, messages(page)
    browser.post("/restore/preview")
    page = browser.wait_idle()
    assert "Restore preview" in page and 'data-testid="preview-table"' in page, messages(page)
    assert "Write 3 changes to Plex" in page
    browser.post("/write")
    page = browser.wait_idle()
    assert "Run 1 · done" in page, messages(page)
    assert "Updated: 3" in page and "Missing IMDb ID" not in page  # a restore's breakdown: what happened
    assert ratings(emu) == before  # item for item
    assert 'data-testid="restore-backup"' not in page  # the uploaded backup was deleted after the run

    browser.post("/undo/1")
    assert "Run 2 · done" in browser.wait_idle()
    assert ratings(emu) == changed  # the restore is undoable like any run


def test_letterboxd_export_downloads_and_a_bad_backup_is_named(web: WebServer, emu: Emulator) -> None:
    browser = _connected(web, emu)
    browser.post("/export", library="1", format="letterboxd")
    page = browser.page()
    assert 'data-testid="export-download"' in page, messages(page)
    first = browser.client.get("/exports/1")
    assert first.status_code == 200 and first.text.startswith("Title,Year,imdbID,tmdbID,Rating10\n")
    assert browser.client.get("/exports/zip").status_code == 404  # one part: no zip offered
    assert browser.client.get("/exports/2").status_code == 404
    assert browser.client.get("/exports/..%2F..%2Fetc%2Fpasswd").status_code == 404
    other = Browser(web)  # another browser session cannot fetch this one's export
    assert other.client.get("/exports/1").status_code == 404
    browser.client.post(f"/restore/upload?csrf={browser.csrf}", headers={"Accept": "text/html"},
                        files={"backup": ("notes.json", b'{"not": "a backup"}', "application/json")})
    shown = messages(browser.page())
    assert shown and "notes.json" in shown[0], shown
    area = Path(web.app.app.state.services.uploads.root)  # type: ignore[attr-defined]
    assert not [p for p in area.rglob("notes.json")]  # refused at once, deleted
    refused = browser.client.post("/restore/upload", files={"backup": ("b.json", b"{}")})
    assert refused.status_code == 403  # no CSRF token: refused like every state-changing request


def test_a_split_letterboxd_export_is_also_offered_as_one_zip(tmp_path: Path) -> None:
    def fake_export(conn: object, options: object, fmt: str, out: Path, *, watched: bool = False) -> ExportResult:
        parts = [out.with_name(f"{out.stem}_{n}.csv") for n in (1, 2)]
        for n, part in enumerate(parts, 1):
            part.write_text(f"LetterboxdURI,Rating10\npart {n}\n")
        return ExportResult(parts, 2)

    uploads = UploadArea(tmp_path)
    services = Services(SimpleNamespace(export_ratings=fake_export), JobRunner(), uploads, None)  # type: ignore[arg-type]
    flow = Flow()
    flow.conn = SimpleNamespace(name="Home Server", identity=SimpleNamespace(user_name="Kid"))  # type: ignore[assignment]
    done = export(flow, services, (), True, "letterboxd", False)
    assert [p.name for p in done.files] == ["plex-ratings-home-server-kid-letterboxd_1.csv",
                                            "plex-ratings-home-server-kid-letterboxd_2.csv"]
    assert done.archive is not None
    with zipfile.ZipFile(io.BytesIO(done.archive.read_bytes())) as zipped:
        assert sorted(zipped.namelist()) == [p.name for p in done.files]
    again = export(flow, services, (), True, "letterboxd", False)  # a new export replaces the last one's files
    assert not done.files[0].exists() and again.files[0].exists()
    uploads.close()


def test_discover_says_it_needs_a_plex_sign_in_with_url_and_token(web: WebServer, emu: Emulator,
                                                                 tmp_path: Path) -> None:
    browser = _connected(web, emu)
    page = browser.page()
    assert 'data-testid="discover-note"' in page and "needs a Plex sign-in" in page
    assert 'data-testid="discover" disabled' in page
    export_file = tmp_path / "ratings.csv"
    csv_from_library(emu, export_file, 5)
    browser.upload("ratings.csv", export_file.read_bytes())
    browser.post("/preview", library="1", type=["Movie"], discover="1")  # a hand-made form: refused at once
    shown = messages(browser.page())
    assert any("needs a Plex sign-in" in m for m in shown), shown


def test_an_oversized_backup_is_refused_with_the_limit(emu: Emulator) -> None:
    from ratings_to_plex.web.settings import WebSettings

    with WebServer(WebSettings(max_upload_bytes=4096)) as web:
        browser = _connected(web, emu)
        big = b'{"items": [' + b'{"title": "x"},' * 2000 + b"]}"
        refused = browser.client.post(f"/restore/upload?csrf={browser.csrf}",
                                      files={"backup": ("big.json", big, "application/json")})
        assert refused.status_code == 413 and "4 KB upload limit" in refused.text
        area = Path(web.app.app.state.services.uploads.root)  # type: ignore[attr-defined]
        assert not [p for p in area.rglob("*") if p.is_file()]  # nothing of it is kept
