"""Keeping the Plex token out of everything a person or a file sees."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

_MASK: Final = "[REDACTED]"
_secrets: set[str] = set()
_lock = threading.Lock()
# Tokens may also leak through URLs that carry them as a query parameter.
# ... and a Plex Home PIN through the profile-switch URL (`/switch?pin=1234`).
_TOKEN_PARAM = re.compile(r"((?:X-Plex-Token|(?<![\w-])pin)=)[^&\s\"']+", re.IGNORECASE)
# A spreadsheet runs a cell as a formula when it starts with one of these, also after leading blanks or line breaks,
# and also in their full-width forms (Excel folds ＝＋－＠ to =+-@).
_FORMULA_START: Final = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_BREAK_START: Final = ("\t", "\r", "\n")
# Terminal escape sequences (CSI, OSC with its BEL/ST end, other ESC pairs), then any control or bidi-override char.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PRIVATE_FILE: Final = 0o600
PRIVATE_DIR: Final = 0o700


def register_secret(secret: str | None) -> None:
    """Remember a token so that `redact` masks it wherever it appears from now on."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """Mask every registered token and any `X-Plex-Token=` value in `text`."""
    if "=" in text:  # the pattern needs one; scanning a line without costs ~10 µs, tens of thousands of times a run
        text = _TOKEN_PARAM.sub(r"\1" + _MASK, text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks tokens in every record's final message (installed on our handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def safe_cell(value: str) -> str:
    """Neutralise a CSV cell a spreadsheet would run as a formula, by prefixing a single quote."""
    if value and (value.startswith(_FORMULA_START + _BREAK_START) or value.lstrip().startswith(_FORMULA_START)):
        return "'" + value
    return value


def clean_text(text: str) -> str:
    """Text from a server (an error body, a title) made safe to print, log or store: escape sequences removed,
    other control characters (line breaks too) turned into spaces, so nothing can recolour, retitle or rewrite
    a terminal, or forge a log line."""
    if text.isprintable():
        return text
    return _CONTROL.sub(" ", _ESCAPES.sub("", text))


def strip_credentials(url: str) -> str:
    """`http://user:password@host:32400/x` → `http://host:32400/x`: credentials in a URL are never stored or shown."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def private_dir(folder: Path) -> Path:
    """Create `folder` (and parents) for files only this user may read; an existing folder is tightened to 0700
    when we own it (a shared folder the user chose, owned by someone else, is left alone)."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    try:
        if folder.stat().st_uid == os.getuid():
            folder.chmod(PRIVATE_DIR)
    except (OSError, AttributeError):  # AttributeError: os.getuid is absent on Windows, where modes mean little
        pass
    return folder


def private_file(path: Path) -> Path:
    """Make sure `path` exists with mode 0600 before anything is written to it (creating it so: no 0644 window)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    with contextlib.suppress(OSError):
        path.chmod(PRIVATE_FILE)
    return path
