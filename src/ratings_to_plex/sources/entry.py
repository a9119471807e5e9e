"""The shape of a reader's registry entry (registry.py lists the entries), and what readers hand back."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from .limits import Problems
from .model import RatingRow

if TYPE_CHECKING:
    from .table import Table


@dataclass(frozen=True, slots=True)
class Format:
    """One `ReadResult.format` value and what other stages need to know about it."""

    name: str  # "letterboxd_diary"
    source: str  # "letterboxd": RatingRow.source and the `Unmatched_<source>_…` report prefix
    label: str  # "Letterboxd diary", for people
    ratings: bool = True  # False: the file lists watched titles only (usable with --mark-watched)


@dataclass
class Kind:
    """A recognised file: its format name, a description for people, and notes about how it was read."""

    format: str
    description: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Document:
    """One JSON or XML text to read (a zip may give several, e.g. Trakt's four ratings-*.json)."""

    name: str  # for messages: "ratings-movies.json in export.zip"
    member: str  # the file's own name: "ratings-movies.json"
    text: TextIO


@dataclass
class Parsed:
    """What a reader hands back: rows, problems (bounded), notes, and the columns its raw rows have."""

    rows: list[RatingRow]
    problems: Problems
    notes: list[str]
    columns: list[str] | None = None  # None: the CSV header


CsvRecogniser = Callable[[frozenset[str], str], "Kind | None"]
DocRecogniser = Callable[[str, str], "Kind | None"]


@dataclass(frozen=True)
class Reader:
    """A source's entry: its formats and the functions that recognise and read its files."""

    source: str
    display: str  # "TMDb"
    formats: tuple[Format, ...]
    recognise_csv: CsvRecogniser | None = None  # (folded header names, file name)
    read_csv: Callable[[Table, Kind], Parsed] | None = None
    recognise_document: DocRecogniser | None = None  # (first 64 KB of text, file name), for JSON and XML
    read_documents: Callable[[Iterator[Document], Kind], Parsed] | None = None
    zip_members: Callable[[Sequence[str]], list[str]] | None = None  # members to read from a zip, [] when none
    explain_csv: Callable[[frozenset[str]], str | None] | None = None  # what a near-miss header looks like
    score_name: str | None = None  # "Criticker score": the source's own scale is not Plex's; log the original
