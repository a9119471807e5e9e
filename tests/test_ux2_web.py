"""Issue 13 in the web UI: the file step's "Read the file as" menu (a format chosen by hand when detection guesses
wrong), and errors worded for the web — its steps and controls, never a CLI flag. Real HTTP to the web server and
the emulator."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from tests.emulator_fixtures import plextv_emulator
from tests.web_support import Browser, WebServer, messages, no_real_plextv, web_fixture  # noqa: F401 - fixtures

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
BOTH = (b"Const,Your Rating,Title,Year,imdbID,Rating\n"  # IMDb's and the Letterboxd import's readers both take it
        b"tt0111161,9,The Shawshank Redemption,1994,tt0111161,2.5\n")
CLI_FLAGS = re.compile(r"--[a-z]")


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with plextv_emulator(monkeypatch, EmulatorConfig(movies=50, shows=2, seed=3)) as e:
        yield e


def detected(page: str) -> str:
    found = re.search(r'data-testid="detected-format">([^<]*)<', page)
    return html.unescape(found.group(1)) if found else ""


def format_menu(page: str) -> tuple[list[str], str]:
    menu = re.search(r'<select id="format"[^>]*data-testid="format"[^>]*>(.*?)</select>', page, re.S)
    assert menu, "the file step has no format menu"
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', menu.group(1))
    chosen = [label for _value, selected, label in options if selected]
    return [label for _v, _s, label in options], chosen[0] if chosen else options[0][2]


def test_format_menu_overrides_detection_and_refuses_a_file_that_does_not_fit(web: WebServer) -> None:
    browser = Browser(web)
    labels, chosen = format_menu(browser.page())
    assert labels[0] == "Detect automatically" and chosen == "Detect automatically"
    assert "Letterboxd import CSV" in labels and "IMDb ratings" in labels
    browser.upload("mine.csv", BOTH)
    assert "IMDb ratings" in detected(browser.page())
    browser.post("/read-as", format="letterboxd_import")
    page = browser.page()
    assert "Letterboxd import CSV" in detected(page) and format_menu(page)[1] == "Letterboxd import CSV"
    browser.post("/read-as", format="tmdb_ratings")
    page = browser.page()
    assert [m for m in messages(page) if m] == ["mine.csv, line 1: does not fit the chosen format, TMDb ratings; "
                                                "choose another format, or let the format be detected"]
    assert detected(page) == "" and "Upload an export first" not in page  # the wrong reading is not kept
    browser.post("/read-as", format="")
    assert "IMDb ratings" in detected(browser.page())
    browser.post("/read-as", format="letterboxd_import")  # the choice applies to the next upload too
    browser.upload("again.csv", BOTH)
    assert "Letterboxd import CSV" in detected(browser.page())


def test_format_choice_reaches_the_preview(web: WebServer, emu: Emulator) -> None:
    browser = Browser(web)
    browser.post("/signin/token", url=emu.url, token=emu.token)
    browser.post("/read-as", format="letterboxd_import")
    browser.upload("mine.csv", BOTH)
    browser.post("/preview", library="1", type=["Movie"])
    page = browser.wait_idle()
    assert 'data-testid="job-error"' not in page, messages(page)
    assert "Letterboxd import CSV" in detected(page)


def test_web_errors_name_the_pages_controls_not_cli_flags(web: WebServer, emu: Emulator) -> None:
    browser = Browser(web)
    browser.post("/signin/token", url=emu.url, token="not-the-token")
    shown = messages(browser.page())
    rejected = [m for m in shown if "rejected the token" in m]
    assert rejected, shown
    assert "Sign in with Plex" in rejected[0] and not CLI_FLAGS.search(rejected[0])
    browser.post("/signin/token", url=emu.url, token=emu.token)
    browser.upload("watched.csv", (FIXTURES / "letterboxd_watched.csv").read_bytes())
    browser.post("/preview", library="1", type=["Movie"])
    page = browser.wait_idle()
    error = re.search(r'data-testid="job-error">([^<]*)<', page)
    assert error, messages(page)
    text = html.unescape(error.group(1))
    assert "watched.csv lists watched films without ratings" in text
    assert '"Also mark as watched" in step 3' in text and "upload your ratings.csv" in text
    assert not CLI_FLAGS.search(text)
    browser.upload("binary.csv", b"Const,Your Rating\x00\x00\x00\n")
    nul = [m for m in messages(browser.page()) if "NUL" in m]
    assert nul and "in step 2" in nul[0] and not CLI_FLAGS.search(nul[0])
