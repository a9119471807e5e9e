"""The two log files of a run: the rolling `RatingsToPlex.log` and the per-run `RatingsUpdateLog_<stamp>.log`.

Both are UTF-8 with `errors="replace"`, pass through the token-redacting filter, and a failing write (full disk, a
file locked by another program) is reported once and never stops the run.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sys
import time
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from .apply import FAILED, Outcome
from .report import update_line, watched_line
from .security import RedactingFilter, clean_text, private_dir, private_file, redact

_FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
_ids = itertools.count(1)


class _QuietFailures:
    """Mixin: on a write error, say so once on stderr, then keep going without the file."""

    warned = False

    def _open(self) -> Any:
        """Every log file (rotated ones too) is created 0600: logs name titles, servers and errors."""
        private_file(Path(getattr(self, "baseFilename", "")))
        return super()._open()  # type: ignore[misc]

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.warned:
            self.warned = True
            print(f"warning: could not write to the log file {getattr(self, 'baseFilename', '?')}; "
                  "the run goes on without it", file=sys.stderr)


class _LazyFlush:
    """Mixin: flush at most every 0.25 s (and on close). A flush per line cost more than the rest of a 20,000-row
    run's logging; a killed run loses at most that last quarter second of lines (the journal has them all)."""

    _flushed = 0.0

    def flush(self) -> None:
        now = time.monotonic()
        if now - self._flushed >= 0.25:
            self._flushed = now
            super().flush()  # type: ignore[misc]


class _RotatingHandler(_LazyFlush, _QuietFailures, RotatingFileHandler):
    _checked = 0.0

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        """By the open file's position, once a second at most — not two stat() calls, a second formatting and a
        flush (a text file's tell() flushes) for every record; the file may pass 5 MB by a second of lines."""
        now = time.monotonic()
        if now - self._checked < 1.0:
            return False
        self._checked = now
        if self.stream is None:
            self.stream = self._open()
        return self.maxBytes > 0 and self.stream.tell() >= self.maxBytes


class _RunHandler(_LazyFlush, _QuietFailures, logging.FileHandler):
    pass


class RunLog:
    """Writes each line to both files and hands it to `echo` (the terminal or the GUI's log panel)."""

    def __init__(self, folder: Path, when: str, echo: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.when = when  # the stamp this run's files share; `_claim` makes it unique in the folder
        self.path = folder / f"RatingsUpdateLog_{when}.log"
        self.echo = echo
        self.places: dict[int, str] = {}  # rating key → library, for titles with copies in several libraries
        self.logger = logging.getLogger(f"ratings_to_plex.run.{next(_ids)}")
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False
        self._handlers: list[logging.Handler] = []
        try:
            private_dir(folder)
            self._claim()
            handlers: list[logging.Handler] = [
                _RotatingHandler(folder / "RatingsToPlex.log", maxBytes=5_000_000, backupCount=3,
                                 encoding="utf-8", errors="replace"),
                _RunHandler(self.path, encoding="utf-8", errors="replace"),
            ]
        except OSError as exc:
            print(f"warning: cannot write logs in {folder} ({exc.strerror}); logging to the screen only",
                  file=sys.stderr)
            handlers = []
        for handler in handlers:
            handler.setFormatter(_FORMAT)
            handler.addFilter(RedactingFilter())
            self.logger.addHandler(handler)
            self._handlers.append(handler)

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
        if self.logger.isEnabledFor(logging.INFO):
            text = clean_text(redact(text))
            self.logger.handle(logging.LogRecord(self.logger.name, logging.INFO, __file__, 0, "%s", (text,), None))

    def line(self, text: str, level: int = logging.INFO) -> None:
        text = clean_text(redact(text))  # titles and error bodies come from the server: no escapes, no fake lines
        if self.logger.isEnabledFor(level):  # the record made directly: Logger.log would walk the stack for a
            # caller the format never shows, at every one of a big run's tens of thousands of lines
            self.logger.handle(logging.LogRecord(self.logger.name, level, __file__, 0, "%s", (text,), None))
        if self.echo:
            self.echo(text)

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
        for handler in self._handlers:
            with contextlib.suppress(OSError):  # the last flush failed (disk full): already warned, never fatal
                handler.close()
            self.logger.removeHandler(handler)
