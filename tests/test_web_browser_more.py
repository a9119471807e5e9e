"""The newer web screens in a real browser (Debian's chromium through Playwright) against the emulator: the Plex
Home user picker (a managed user, a PIN-protected one), Export ratings… with its download, and Restore from backup…
through the preview table to the write. Screenshots at desktop and phone width go to test-artifacts/web/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex.emulator import Emulator
from ratings_to_plex.plex.client import PlexClient
from tests.test_web_browser import PHONE, _page, browser_fixture, pytestmark, shot, tid, wait_breakdown
from tests.users_support import everybody, home_emulator
from tests.web_support import WebServer, no_real_plextv, web_fixture  # noqa: F401 - fixtures

__all__ = ["browser_fixture", "pytestmark"]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with home_emulator(monkeypatch) as e:  # the page uses the stored sign-in
        yield e


def switch(page: Any, label: str, pin: str = "") -> None:
    tid(page, "user").select_option(label=label)
    if pin:
        tid(page, "user-pin").fill(pin)
    tid(page, "user-switch").click()
    page.wait_for_load_state()


def test_user_picker_export_and_restore_in_the_browser(browser: Any, emu: Emulator, web: WebServer,
                                                       tmp_path: Path) -> None:
    page = _page(browser)
    page.goto(web.url)
    tid(page, "user").wait_for()
    switch(page, "Teen (managed user, PIN)")  # no PIN: refused, and nobody is connected
    page.get_by_test_id("message-error").filter(has_text="protected by a PIN").wait_for()
    assert tid(page, "library").count() == 0
    shot(page, "11-user-pin-needed-desktop")
    assert not tid(page, "user-pin").is_visible()  # the PIN field shows for a PIN-protected user only
    tid(page, "user").select_option(label="Teen (managed user, PIN)")
    assert tid(page, "user-pin").is_visible()
    switch(page, "Kid (managed user)")
    tid(page, "acting-user").wait_for()
    assert tid(page, "acting-user").inner_text() == "Kid"
    shot(page, "12-user-picker-desktop")

    before = everybody(emu)
    tid(page, "export-open").click()
    tid(page, "export-library").select_option(["All movie and TV libraries"])
    tid(page, "export-format").select_option("json")
    tid(page, "export").click()
    tid(page, "export-files").wait_for()
    with page.expect_download() as download:
        tid(page, "export-download").first.click()
    backup = Path(download.value.path())
    assert download.value.suggested_filename == "plex-ratings-plex-emulator-kid-json.json"
    items = json.loads(backup.read_text(encoding="utf-8"))["items"]
    assert items and json.loads(backup.read_text(encoding="utf-8"))["user"] == "Kid"
    shot(page, "13-export-desktop")

    kid = next(p for p in emu.ctx.users.people if p.title == "Kid")
    as_kid = PlexClient.connect(emu.url, kid.server_token)
    for item in items[:3]:
        as_kid.rate(item["rating_key"], item["type"], None)  # Kid clears three ratings since the backup
    assert everybody(emu)["Kid"] != before["Kid"]

    saved = tmp_path / "kid-backup.json"
    saved.write_bytes(backup.read_bytes())
    tid(page, "restore-open").click()
    tid(page, "restore-file").set_input_files(str(saved))
    tid(page, "restore-upload").click()
    tid(page, "restore-preview").click()
    tid(page, "preview-table").wait_for()
    assert "Restore preview" in page.locator("#preview h3").inner_text()
    shot(page, "14-restore-preview-desktop")
    phone = _page(browser, PHONE)
    phone.context.add_cookies(page.context.cookies())  # the same browser session, on a phone-sized window
    phone.goto(web.url + "#preview")
    tid(phone, "preview-table").wait_for()
    shot(phone, "15-restore-preview-phone")
    tid(page, "write").click()
    assert "Updated: 3" in wait_breakdown(page, "Run 1 · done")
    assert everybody(emu) == before  # Kid's ratings are back, item for item; nobody else's changed
    assert "Kid" in tid(page, "history").inner_text()
    # The phone page follows the job too and reloads itself when it ends: wait until it shows the finished run (a
    # goto during that reload was aborted, and closing the page mid-reload could hang), then open the page afresh.
    phone.locator("#job h3", has_text="Run 1 · done").wait_for()
    phone.wait_for_load_state("load")
    phone.goto(web.url)
    tid(phone, "restore-open").click()  # Export ratings… stays open while its files are there
    assert tid(phone, "export-format").input_value() == "json"  # the form shows what was exported
    shot(phone, "16-out-and-users-phone")
    phone.context.close()
    page.context.close()
