"""The web UI in a real browser (Debian's chromium through Playwright) against the emulator: sign in by PIN and by
token, upload, preview (sort, filter), write with live progress, cancel, resume, undo, two tabs on one job, the
access-token login. Screenshots at desktop and phone width go to test-artifacts/web/.

Only the data-testid names of INTERFACES.md (and a few more) are used to find controls, as outside checks do.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.web.settings import WebSettings
from tests.emulator_fixtures import plextv_emulator
from tests.test_journal_helpers import csv_from_library
from tests.web_support import LONG_TOKEN, WebServer, no_real_plextv, web_fixture  # noqa: F401 - fixtures

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "web"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SAMPLE = Path(str(files("ratings_to_plex.data") / "sample_imdb_ratings.csv"))
WAIT_MS = 60_000

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                reason=f"{CHROMIUM} is missing: install Debian's chromium (make gui-deps does)")


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
    """`browser`: one headless chromium for a module's tests (named apart so that test_web_browser_more can import it
    without its tests' `browser` argument shadowing the import)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with plextv_emulator(monkeypatch, EmulatorConfig(demo=True)) as e:
        yield e


def _page(browser: Any, viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    return context.new_page()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def control(emu: Emulator, path: str) -> None:
    """A knob of the emulator's control endpoint (approving a PIN, latency)."""
    httpx.post(f"{emu.url}/emulator/{path}", headers={"X-Plex-Token": emu.token}).raise_for_status()


def tid(page: Any, name: str) -> Any:
    return page.get_by_test_id(name)


def upload(page: Any, path: Path) -> None:
    """Choose the file: the page uploads it by itself and says what it read (without reloading)."""
    from playwright.sync_api import expect

    tid(page, "file").set_input_files(str(path))
    expect(tid(page, "detected-format")).to_contain_text(re.compile(r"\d+ rows?"), timeout=WAIT_MS)


def connect_by_token(page: Any, emu: Emulator) -> None:
    tid(page, "plex-url").fill(emu.url)
    tid(page, "plex-token").fill(emu.token)
    tid(page, "connect").click()
    tid(page, "library").wait_for()


def preview(page: Any, libraries: list[str]) -> None:
    tid(page, "library").select_option(libraries)
    tid(page, "preview").click()
    tid(page, "preview-table").wait_for()


def wait_progress(page: Any) -> None:
    """Until the live progress bar (fed by server-sent events) shows some writes done (CSP forbids eval)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while float(tid(page, "progress").get_attribute("value") or 0) <= 0:
        assert time.monotonic() < deadline, "the progress bar never moved"
        page.wait_for_timeout(100)


def wait_breakdown(page: Any, run_text: str) -> str:
    """The breakdown once the result header says `run_text` (e.g. "Run 2 · done")."""
    page.locator("#job h3", has_text=run_text).wait_for()
    text: str = tid(page, "breakdown").inner_text()
    return text


def test_pin_sign_in_upload_preview_write_and_undo(browser: Any, emu: Emulator, web: WebServer) -> None:
    before = {k: s.user_rating for k, s in emu.state().items()}
    page = _page(browser)
    page.goto(web.url)
    link = tid(page, "signin-pin-link")  # the page asks plex.tv for a PIN by itself and shows its link
    link.wait_for()
    shot(page, "01-start-desktop")
    tid(page, "signin-cancel").click()  # cancelled: no new PIN until asked for
    tid(page, "signin-pin").wait_for()
    assert tid(page, "signin-pin-link").count() == 0
    tid(page, "signin-pin").click()
    assert link.get_attribute("href").startswith("https://app.plex.tv/auth/#!?")
    shot(page, "02-pin-link-desktop")
    control(emu, "pins/approve-all")  # the user approves on plex.tv
    tid(page, "library").wait_for()  # the page continued by itself, and connected to the only server
    assert tid(page, "server").input_value() == emu.machine_identifier

    upload(page, SAMPLE)
    assert "IMDb ratings" in tid(page, "detected-format").inner_text()
    preview(page, ["Movies"])  # by its title, as a person (or an outside check) picks it
    assert "38 rating(s) to write" in tid(page, "preview-summary").inner_text()
    table = tid(page, "preview-table")
    everything = tid(page, "preview-filter").locator("option").first.inner_text()
    assert everything == f"All ({table.locator('tbody tr').count()})"  # every row fits on one page
    table.locator("th a[data-sort=title]").click()
    page.wait_for_url("**sort=title**")
    titles = tid(page, "preview-table").locator("tbody tr td:first-child").all_inner_texts()
    assert titles == sorted(titles, key=str.casefold)
    label = tid(page, "preview-filter").locator("option[value=not_found]").inner_text()
    tid(page, "preview-filter").select_option("not_found")  # the page filters by itself
    page.wait_for_url("**show=not_found**")
    assert label == f"Not found ({tid(page, 'preview-table').locator('tbody tr').count()})"
    reasons = tid(page, "preview-table").locator("tbody tr td:nth-child(5)").all_inner_texts()
    assert reasons and all(r.startswith("not found") for r in reasons)
    tid(page, "preview-search").fill("zzz-no-such-title")
    page.get_by_text("No rows match.").wait_for()
    page.goto(web.url)
    shot(page, "03-preview-desktop")

    tid(page, "write").click()
    breakdown = wait_breakdown(page, "Run 1 · done")
    assert "Updated: 38" in breakdown and "Not found in Plex: 11" in breakdown
    changed = {k for k, s in emu.state().items() if s.user_rating != before[k]}
    assert len(changed) >= 38
    with page.expect_download() as download:
        tid(page, "unmatched-download").click()
    assert download.value.suggested_filename.startswith("Unmatched_imdb_")
    assert "not found" in Path(download.value.path()).read_text(encoding="utf-8").casefold()
    shot(page, "04-written-desktop")

    history = tid(page, "history")
    assert history.locator("tbody tr").count() == 1
    tid(page, "undo").first.click()
    assert "Updated: " in wait_breakdown(page, "Run 2 · done")
    assert {k: s.user_rating for k, s in emu.state().items()} == before
    assert tid(page, "history").locator("tbody tr").count() == 2
    shot(page, "05-undone-desktop")
    page.context.close()


def test_token_sign_in_cancel_resume_and_two_tabs(browser: Any, emu: Emulator, web: WebServer,
                                                  tmp_path: Path) -> None:
    with Emulator(EmulatorConfig(movies=400, shows=5, seed=3)) as big:
        export = tmp_path / "ratings.csv"
        expected = csv_from_library(big, export, 300)
        page = _page(browser)
        page.goto(web.url)
        connect_by_token(page, big)
        # As a quick script would: choose the file and at once the library, then Preview (it waits for the upload).
        tid(page, "file").set_input_files(str(export))
        preview(page, ["TV Shows", "Movies"])
        assert "300 rating(s) to write" in tid(page, "preview-summary").inner_text()
        second = page.context.new_page()  # another tab of the same browser, open before the write starts
        second.goto(web.url)
        control(big, "faults?latency_ms=2000")  # slow writes (~40 s for all), time to cancel
        tid(page, "write").click()
        tid(page, "cancel").wait_for()
        tid(second, "cancel").wait_for()  # the other tab follows the same job (it reloaded on its start)
        wait_progress(page)
        shot(page, "06-writing-desktop")
        tid(second, "cancel").click()  # cancelled from the other tab
        wait_breakdown(page, "Run 1 · cancelled")
        control(big, "faults?latency_ms=0")
        page.reload()
        resume = tid(page, "resume")
        assert "did not finish" in tid(page, "resume-banner").inner_text()
        shot(page, "07-resume-banner-desktop")
        resume.click()
        wait_breakdown(page, "Run 1 · done")
        state = big.state()
        assert all(state[k].user_rating == v for k, v in expected.items())
        assert tid(page, "resume").count() == 0
        page.context.close()


def test_phone_width_and_access_token_login(browser: Any, emu: Emulator) -> None:
    with WebServer(WebSettings(host="0.0.0.0", access_token=LONG_TOKEN)) as web:
        page = _page(browser, PHONE)
        page.goto(web.url)
        tid(page, "access-token").wait_for()
        shot(page, "08-login-phone")
        tid(page, "access-token").fill("not-the-right-token-at-all")
        tid(page, "login").click()
        page.get_by_text("not the access token").wait_for()
        tid(page, "access-token").fill(LONG_TOKEN)
        tid(page, "login").click()
        connect_by_token(page, emu)
        upload(page, SAMPLE)
        preview(page, ["*"])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the page scrolls sideways on a phone"
        shot(page, "09-preview-phone")
        tid(page, "write").click()
        wait_breakdown(page, "Run 1 · done")
        shot(page, "10-written-phone")
        page.context.close()


def test_a_file_over_the_limit_is_refused_before_it_is_sent(browser: Any) -> None:
    with WebServer(WebSettings(max_upload_bytes=100)) as web:
        page = _page(browser)
        page.goto(web.url)
        tid(page, "file").set_input_files(str(SAMPLE))
        warning = tid(page, "upload-too-big")
        warning.wait_for()
        assert "larger than the 100 bytes upload limit" in warning.inner_text()
        assert not tid(page, "detected-format").is_visible()
        page.context.close()
