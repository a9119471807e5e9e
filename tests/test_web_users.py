"""The web UI's Plex Home user picker, through real HTTP to the web app and the strict emulator: a managed user's
write changes only that user's ratings (item for item), a PIN-protected user needs the PIN, and a failed switch
connects nobody (never the owner in their place)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator
from ratings_to_plex.plex import users
from ratings_to_plex.web.flow import TYPE_LABELS
from tests.test_journal_helpers import csv_from_library
from tests.users_support import everybody, home_emulator, who
from tests.web_support import Browser, WebServer, messages, no_real_plextv, web_fixture  # noqa: F401 - fixtures


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with home_emulator(monkeypatch) as e:  # the page uses the stored sign-in
        yield e


def _write_all(browser: Browser, export: Path) -> str:
    browser.upload(export.name, export.read_bytes())
    browser.post("/preview", library="*", type=list(TYPE_LABELS))
    page = browser.wait_idle()
    assert 'data-testid="preview-table"' in page, messages(page)
    browser.post("/write")
    return browser.wait_idle()


def test_a_managed_users_write_changes_only_their_ratings(web: WebServer, emu: Emulator, tmp_path: Path) -> None:
    expected = csv_from_library(emu, tmp_path / "ratings.csv", 40, seed=3)
    browser = Browser(web)
    page = browser.page()
    assert 'data-testid="user"' in page and "Kid (managed user)" in page and "Teen (managed user, PIN)" in page
    browser.post("/user", user=who(emu, "Kid").uuid)
    page = browser.page()
    assert 'data-testid="acting-user">Kid<' in page, messages(page)
    before = everybody(emu)
    done = _write_all(browser, tmp_path / "ratings.csv")
    assert "Run 1 · done" in done, messages(done)
    after = everybody(emu)
    for name in ("owner", "Teen", "friend"):
        assert after[name] == before[name], name  # untouched, item for item
    assert all(after["Kid"][key][0] == rating for key, rating in expected.items())
    assert "<td>Kid</td>" in done  # History names the user the run wrote for
    assert all(p.account_token not in done and p.server_token not in done for p in emu.ctx.users.people)
    assert emu.token not in done


def test_a_pin_protected_user_needs_the_pin_and_a_failed_switch_connects_nobody(web: WebServer, emu: Emulator,
                                                                               tmp_path: Path) -> None:
    csv_from_library(emu, tmp_path / "ratings.csv", 10, seed=4)
    browser = Browser(web)
    assert "Connected to" in browser.page()  # as the owner, at first
    teen = who(emu, "Teen").uuid
    browser.post("/user", user=teen)
    page = browser.page()
    assert any("'Teen' is protected by a PIN: enter it" in html.unescape(m) for m in messages(page)), messages(page)
    assert "Connected to" not in page and 'data-testid="preview"' not in page  # nobody, not the owner
    browser.post("/user", user=teen, pin="9999")
    page = browser.page()
    assert any("Wrong PIN for 'Teen'" in html.unescape(m) for m in messages(page)) and "9999" not in page
    assert "Connected to" not in page
    before = everybody(emu)
    browser.post("/user", user=teen, pin="1234")
    page = browser.page()
    assert 'data-testid="acting-user">Teen<' in page, messages(page)
    assert "Run 1 · done" in _write_all(browser, tmp_path / "ratings.csv")
    after = everybody(emu)
    assert after["Teen"] != before["Teen"]
    assert {n: s for n, s in after.items() if n != "Teen"} == {n: s for n, s in before.items() if n != "Teen"}
    browser.post("/server", server=emu.machine_identifier)  # choosing the server again: still Teen, PIN asked
    page = browser.page()
    assert any("'Teen' is protected by a PIN" in html.unescape(m) for m in messages(page)), messages(page)
    assert "Connected to" not in page  # never the owner in Teen's place
    browser.post("/user", user=next(u.uuid for u in users.home_users(emu.token) if u.admin))
    page = browser.page()
    assert "Connected to" in page and 'data-testid="acting-user"' not in page  # back to the account itself
    assert "No runs yet." in page  # the owner's history holds no run of Teen's
