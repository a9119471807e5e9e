"""Issue 13, the points only a real terminal shows: a real `ratings-to-plex` process on a pseudo-terminal (its
controlling terminal, so Ctrl-C is the terminal's own ^C), against the emulator over real HTTP."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator
from tests.pty_support import read_until, spawn_cli, wait_exit_code

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def test_ctrl_c_at_the_confirmation_prompt_is_a_cancel(emulator: Callable[..., Emulator]) -> None:
    emu = emulator(demo=True)
    before = emu.state()
    pid, fd = spawn_cli(["sync", str(IMDB), "--url", emu.url, "--token", emu.token, "--library", "Movies"])
    seen = read_until(fd, b"[y/N]")
    assert b"Plan: 38 rating(s) to write" in seen
    os.write(fd, b"\x03")  # the terminal's ^C: SIGINT to the process
    seen += read_until(fd, None)
    assert wait_exit_code(pid) == 130, seen.decode(errors="replace")
    assert b"Cancelled: nothing written." in seen and b"Aborted" not in seen
    assert emu.state() == before


def test_answering_no_writes_nothing(emulator: Callable[..., Emulator]) -> None:
    emu = emulator(demo=True)
    before = emu.state()
    pid, fd = spawn_cli(["sync", str(IMDB), "--url", emu.url, "--token", emu.token, "--library", "Movies"])
    read_until(fd, b"[y/N]")
    os.write(fd, b"n\n")
    seen = read_until(fd, None)
    assert wait_exit_code(pid) == 0 and b"Nothing written." in seen
    assert emu.state() == before


def test_progress_bar_and_log_lines_do_not_garble(emulator: Callable[..., Emulator]) -> None:
    """The bar and the lines share one console: rich draws the bar below the lines, so no line is ever printed
    into the middle of the bar (as when the bar was on stderr and the lines on stdout)."""
    emu = emulator(demo=True, latency_ms=40)
    pid, fd = spawn_cli(["sync", str(IMDB), "--url", emu.url, "--token", emu.token, "--library", "Movies", "--yes",
                      "--workers", "1"], term="xterm-256color")
    seen = read_until(fd, None)
    assert wait_exit_code(pid) == 0, seen.decode(errors="replace")
    assert b"Writing" in seen  # the bar was shown
    plain = _ANSI.sub(b"", seen).decode(errors="replace")
    pieces = [p for p in re.split(r"[\r\n]", plain) if "Updated Plex rating for" in p]
    assert len(pieces) >= 38
    garbled = [p for p in pieces if not p.startswith("Updated Plex rating for") or "Writing" in p]
    assert not garbled, garbled[:3]
