"""The two log files of a run: the rolling `RatingsToPlex.log` and the per-run `RatingsUpdateLog_<stamp>.log`.

Both are UTF-8 with `errors="replace"`, carry only redacted, cleaned text, and a failing write (full disk, a file
locked by another program) is reported once and never stops the run. Lines are written straight to the files (the
`logging` format, `2026-01-01 12:00:00,123 INFO …`): a record through `logging` per line cost about seven times as
much, tens of thousands of times in a big run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .apply import FAILED, Outcome
from .report import update_line, watched_line
from .security import clean_text, private_dir, private_file, redact

_FLUSH_S = 0.25  # a killed run loses at most this last quarter second of lines (the journal has them all)
_ROLL_CHECK_S = 1.0  # the rolling file may pass its size by a second of lines


class _LogFile:
    """One append-only log file: created 0600 (logs name titles, servers and errors), flushed at most every
    `_FLUSH_S`, rolled over by size like `RotatingFileHandler` (`.1` … `.backups`). On a write error it says so once
    on stderr and goes on without the file."""

    def __init__(self, path: Path, max_bytes: int = 0, backups: int = 0) -> None:
        self.path, self.max_bytes, self.backups = path, max_bytes, backups
        self.stream: TextIO | None = self._open()
        self._flushed = self._checked = time.monotonic()

    def _open(self) -> TextIO:
        private_file(self.path)
        return open(self.path, "a", encoding="utf-8", errors="replace")  # kept open for the run

    def write(self, text: str, now: float) -> None:
        if self.stream is None:
            return
        try:
            if self.max_bytes and now - self._checked >= _ROLL_CHECK_S:
                self._checked = now
                if self.stream.tell() >= self.max_bytes:
                    self._roll()
            self.stream.write(text)
            if now - self._flushed >= _FLUSH_S:
                self._flushed = now
                self.stream.flush()
        except (OSError, ValueError):
            self._give_up()

    def _roll(self) -> None:
        assert self.stream is not None
        self.stream.close()
        self.stream = None
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        if self.backups:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        self.stream = self._open()

    def _give_up(self) -> None:
        print(f"warning: could not write to the log file {self.path}; the run goes on without it", file=sys.stderr)
        stream, self.stream = self.stream, None
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):  # the buffered lines fail again: already warned
                stream.close()

    def close(self) -> None:
        if self.stream is not None:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._give_up()
            else:
                self.stream.close()
                self.stream = None


class RunLog:
    """Writes each line to both files and hands it to `echo` (the terminal or the GUI's log panel)."""

    def __init__(self, folder: Path, when: str, echo: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.when = when  # the stamp this run's files share; `_claim` makes it unique in the folder
        self.path = folder / f"RatingsUpdateLog_{when}.log"
        self.echo = echo
        self.places: dict[int, str] = {}  # rating key → library, for titles with copies in several libraries
        self._files: list[_LogFile] = []
        self._lock = threading.Lock()  # lines may come from several threads (the GUI's, the apply pool's)
        self._second, self._prefix = -1, ""
        try:
            private_dir(folder)
            self._claim()
            self._files = [_LogFile(folder / "RatingsToPlex.log", max_bytes=5_000_000, backups=3),
                           _LogFile(self.path)]
        except OSError as exc:
            print(f"warning: cannot write logs in {folder} ({exc.strerror}); logging to the screen only",
                  file=sys.stderr)
            for opened in self._files:
                opened.close()
            self._files = []

    def _claim(self) -> None:
        """Create this run's own log file: two runs started in the same second (two terminals, a window and a
        script) must not write into one file, so the second gets `…_HHMMSS_2.log` (and its CSV the same stamp)."""
        base = self.when
        for n in range(1, 1000):
            when = base if n == 1 else f"{base}_{n}"
            path = self.folder / f"RatingsUpdateLog_{when}.log"
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            self.when, self.path = when, path
            return

    def record(self, text: str) -> None:
        """A line for the log files only (the interface already showed it in its own words)."""
        self._write(logging.INFO, clean_text(redact(text)))

    def line(self, text: str, level: int = logging.INFO) -> None:
        text = clean_text(redact(text))  # titles and error bodies come from the server: no escapes, no fake lines
        self._write(level, text)
        if self.echo:
            self.echo(text)

    def _write(self, level: int, text: str) -> None:
        if level < logging.INFO or not self._files:
            return
        now = time.time()
        with self._lock:
            second = int(now)
            if second != self._second:  # the date and time formatted once a second, not per line
                self._second, self._prefix = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
            entry = f"{self._prefix},{int(now % 1 * 1000):03d} {logging.getLevelName(level)} {text}\n"
            clock = time.monotonic()
            for file in self._files:
                file.write(entry, clock)

    def warning(self, text: str) -> None:
        self.line(text, logging.WARNING)

    def outcome(self, o: Outcome, verb: str = "Updated") -> None:
        """The live line for one applied change: the seed's dual-form update line, the watched mark, or why not."""
        if o.status == FAILED:
            self.warning(f'Rate failed for "{o.change.item.display_title}": {o.error}')
            return
        if o.rated:
            library = self.places.get(o.change.item.rating_key, "")
            self.line(update_line(o.change, library=library).replace("Updated Plex rating", f"{verb} Plex rating", 1))
        if o.watched:
            self.line(watched_line(o.change, library=self.places.get(o.change.item.rating_key, "")))

    def close(self) -> None:
        with self._lock:
            for file in self._files:
                file.close()  # the last flush failed (disk full): warned, never fatal
