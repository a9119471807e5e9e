"""Every reader in one table: adding a source is its module plus one entry in `READERS`.

An entry (entry.Reader) says which formats the reader produces — with the short `source` name used in report file
names, a display name, and whether the format carries ratings or only watched titles — how its files are recognised
(a CSV by its folded header, a JSON or XML document by its first 64 KB, a zip by its member names) and how they are
read. Recognisers return None for files that are not theirs and raise SourceError for files that are theirs but hold
no ratings (watchlists, lists), so the message can say what the file is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..errors import SourceError
from . import backup, criticker, imdb, letterboxd, letterboxd_import, simkl, tmdb, trakt
from .entry import Format, Kind, Reader
from .model import RatingRow

#: Order matters only where headers overlap: the Letterboxd import CSV's loose header is tried last.
READERS: Final[tuple[Reader, ...]] = (imdb.READER, letterboxd.READER, tmdb.READER, trakt.READER, simkl.READER,
                                      criticker.READER, letterboxd_import.READER, backup.READER)
FORMATS: Final = tuple(f.name for r in READERS for f in r.formats)
_BY_FORMAT: Final = {f.name: f for r in READERS for f in r.formats}
_READER_OF: Final = {f.name: r for r in READERS for f in r.formats}
_SCORE_NAMES: Final = {r.source: r.score_name for r in READERS if r.score_name}
EXPECTED: Final = ("expected a ratings export from IMDb, Letterboxd, TMDb, Trakt, Simkl or Criticker, or a "
                   "Letterboxd import CSV")


def format_info(name: str) -> Format:
    """What a `ReadResult.format` means: its source's short name, a label for people, ratings or watched only."""
    try:
        return _BY_FORMAT[name]
    except KeyError:
        raise ValueError(f"unknown source format {name!r}") from None


def reader_of(name: str) -> Reader:
    return _READER_OF[name]


def original_score(row: RatingRow) -> str | None:
    """`Criticker score 86` for a row whose source scores on its own scale (to log beside the Plex value), else
    None (IMDb, TMDb, Trakt and Simkl rate 1–10 as Plex does; Letterboxd's stars are shown from the Plex value)."""
    name = _SCORE_NAMES.get(row.source)
    if name is None or row.source_rating is None:
        return None
    return f"{name} {row.source_rating:g}"


def recognise_csv(keys: frozenset[str], file_name: str) -> Kind | None:
    for reader in READERS:
        if reader.recognise_csv is not None:
            kind = reader.recognise_csv(keys, file_name)
            if kind is not None:
                return kind
    return None


def recognise_document(sample: str, file_name: str) -> Kind | None:
    for reader in READERS:
        if reader.recognise_document is not None:
            kind = reader.recognise_document(sample, file_name)
            if kind is not None:
                return kind
    return None


def explain_csv(keys: frozenset[str]) -> str | None:
    """The first reader's guess at what a header no reader accepts is (e.g. "an IMDb watchlist or list export")."""
    for reader in READERS:
        if reader.explain_csv is not None:
            guess = reader.explain_csv(keys)
            if guess is not None:
                return guess
    return None


def zip_choice(members: Sequence[str], name: str) -> tuple[Reader, list[str]]:
    """The reader and members to read from a zip: the first reader that finds its files in it."""
    for reader in READERS:
        if reader.zip_members is not None:
            chosen = reader.zip_members(members)
            if chosen:
                return reader, chosen
    raise SourceError(f"{name}: holds no ratings file; expected a Letterboxd export zip (with ratings.csv), a Trakt "
                      "export zip (with ratings-movies.json …) or a zip holding one export file")


class Forced:
    """Recognisers that ask only the reader of one format chosen by hand (when detection guessed wrong): the
    file is that format if its reader says so, even where a reader earlier in `READERS` would have claimed it."""

    def __init__(self, name: str) -> None:
        if name not in _BY_FORMAT:
            raise SourceError(f"unknown format {name!r}; one of: {', '.join(FORMATS)}")
        self.format, self.reader, self.label = name, _READER_OF[name], _BY_FORMAT[name].label
        self.matched = False
        self.seen: Kind | None = None  # what the reader took the file for instead (another of its formats)

    def _keep(self, kind: Kind | None) -> Kind | None:
        if kind is not None and kind.format != self.format:
            self.seen, kind = kind, None
        self.matched = self.matched or kind is not None
        return kind

    def csv(self, keys: frozenset[str], file_name: str) -> Kind | None:
        recognise = self.reader.recognise_csv
        return None if recognise is None else self._keep(recognise(keys, file_name))

    def document(self, sample: str, file_name: str) -> Kind | None:
        recognise = self.reader.recognise_document
        return None if recognise is None else self._keep(recognise(sample, file_name))

    def refusal(self, where: str) -> SourceError:
        """`where` ("ratings.csv, line 1") does not fit the chosen format: say so, and what it looks like."""
        seen = f" (it looks like {self.seen.description})" if self.seen is not None else ""
        return SourceError(f"{where}: does not fit the chosen format, {self.label}{seen}; choose another format, or "
                           "let the format be detected")
