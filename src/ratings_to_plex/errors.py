"""The one exception tree of ratings-to-plex; every message is a sentence a person can act on.

    RatingsToPlexError            base: the CLI/GUI turn it into a message and an exit code
    ├── SourceError               an export file cannot be used (names the file, the line, what was expected)
    ├── PlexError                 talking to Plex failed
    │   ├── AuthError             token missing, wrong, expired or revoked (exit 3)
    │   └── PlexConnectionError   server or plex.tv unreachable, timed out, or answering 5xx (exit 3)
    ├── JournalError              the run journal cannot be read or written, or a run id is unknown
    └── UsageError                options that contradict each other or name nothing (exit 2)
"""

from __future__ import annotations


class RatingsToPlexError(Exception):
    """Base of every error this tool raises on purpose; `str(err)` is shown to the user as is.

    `str(err)` is worded for the command line (it names options such as `--token`). An error whose advice differs
    per interface also carries a `reason` code and the `fields` to word it with, so the desktop app and the web UI
    can say it in their own terms (`app.advice.worded`)."""

    exit_code = 2

    def __init__(self, *args: object, reason: str | None = None, **fields: str) -> None:
        super().__init__(*args)
        self.reason = reason
        self.fields = fields


class SourceError(RatingsToPlexError):
    """Raised when an export file is empty, unreadable, of an unknown kind, or of a refused kind."""

    exit_code = 2


class PlexError(RatingsToPlexError):
    """Raised when Plex (the server or plex.tv) cannot do what we asked."""

    exit_code = 3


class AuthError(PlexError):
    """Raised when Plex rejects the token (401), or no token is known."""


class PlexConnectionError(PlexError):
    """Raised when a server cannot be reached or keeps failing after retries."""


class JournalError(RatingsToPlexError):
    """Raised when the journal is unusable or a run id does not exist."""

    exit_code = 2


class UsageError(RatingsToPlexError):
    """Raised for option combinations that cannot work (e.g. no library chosen)."""

    exit_code = 2
