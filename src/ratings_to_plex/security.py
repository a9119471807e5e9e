"""Keeping the Plex token out of everything a person or a file sees."""

from __future__ import annotations

import logging
import re
import threading
from typing import Final

_MASK: Final = "[REDACTED]"
_secrets: set[str] = set()
_lock = threading.Lock()
# Tokens may also leak through URLs that carry them as a query parameter.
_TOKEN_PARAM = re.compile(r"(X-Plex-Token=)[^&\s\"']+", re.IGNORECASE)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def register_secret(secret: str | None) -> None:
    """Remember a token so that `redact` masks it wherever it appears from now on."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """Mask every registered token and any `X-Plex-Token=` value in `text`."""
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
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value
