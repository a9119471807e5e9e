"""ratings-to-plex: move IMDb and Letterboxd ratings into Plex — correctly, fast, and reversibly."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .errors import RatingsToPlexError, SourceError

if TYPE_CHECKING:
    from .sources import Problem, RatingRow, ReadResult, read_ratings

try:
    __version__ = version("ratings-to-plex")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["Problem", "RatingRow", "RatingsToPlexError", "ReadResult", "SourceError", "__version__", "read_ratings"]


def __getattr__(name: str) -> Any:
    """Load the readers on first use, so `ratings-to-plex --help` and the emulator start fast."""
    if name in ("Problem", "RatingRow", "ReadResult", "read_ratings"):
        from . import sources

        return getattr(sources, name)
    raise AttributeError(name)
