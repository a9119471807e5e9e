"""Ratings out (issue 15): every rated — and, when asked, watched — item of the chosen libraries, written as a full
JSON backup (what `restore` reads back), Letterboxd's import CSV (`Rating10`, exact, split into files under 1 MB, the
size its importer accepts), an IMDb-style CSV, or a plain CSV of everything.

Nothing here writes to Plex: the items come from one paged scan of the libraries (the same scan sync uses).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from .errors import SourceError, UsageError
from .plex.client import PlexClient, Section
from .plex.index import scan_sections
from .plex.items import LibraryItem
from .sources.limits import check_size

BACKUP_FORMAT: Final = "ratings_to_plex_backup"
BACKUP_VERSION: Final = 1
FORMATS: Final = ("json", "letterboxd", "imdb", "csv")
#: Letterboxd's importer takes files up to 1 MB; stay a little under it.
LETTERBOXD_LIMIT: Final = 1_000_000
LETTERBOXD_HEADER: Final = ("Title", "Year", "imdbID", "tmdbID", "Rating10")
IMDB_HEADER: Final = ("Const", "Your Rating", "Date Rated", "Title", "Title Type", "Year")
CSV_HEADER: Final = ("library", "rating_key", "type", "title", "year", "show_title", "season", "episode", "imdb",
                     "tmdb", "tvdb", "user_rating", "last_rated_at", "view_count")
_IMDB_TYPES: Final = {"movie": "movie", "show": "tvSeries", "episode": "tvEpisode"}  # IMDb rates no seasons


@dataclass(frozen=True, kw_only=True)
class ExportedItem:
    """One item as exported and backed up: enough to find it again on this server (rating key) or another (GUIDs)."""

    library: str
    section_id: int
    rating_key: int
    type: str  # movie | show | season | episode
    title: str
    year: int | None
    guids: tuple[str, ...]
    user_rating: float | None
    last_rated_at: int | None  # epoch seconds
    view_count: int
    show_title: str | None = None
    season: int | None = None
    episode: int | None = None

    def guid(self, scheme: str) -> str | None:
        prefix = scheme + "://"
        return next((g[len(prefix):] for g in self.guids if g.startswith(prefix)), None)


@dataclass(kw_only=True)
class Backup:
    """A JSON backup: the server it came from, the libraries it covers and their rated (or watched) items."""

    server_id: str
    server_name: str
    user: str | None
    exported_at: str
    libraries: list[str]
    items: list[ExportedItem] = field(default_factory=list)
    path: Path | None = None  # the file it was read from: a restore journals it, so `restore --resume` finds the run


@dataclass
class ExportResult:
    """What an export wrote, for the interface to show."""

    paths: list[Path]
    items: int
    notes: list[str] = field(default_factory=list)


def collect(client: PlexClient, sections: Sequence[Section], *, watched: bool = False,
            workers: int = 4) -> list[ExportedItem]:
    """Every item of `sections` that has a rating (with `watched`, also every watched one), in library order."""
    pairs = [(s.key, kind) for s in sections for kind in s.listable_types]
    names = {s.key: s.title for s in sections}
    index = scan_sections(client, pairs, list(sections), workers=max(1, min(workers, 6)))
    return [_exported(item, names.get(item.section_id, "")) for item in index.items
            if item.user_rating is not None or (watched and item.view_count > 0)]


def _exported(item: LibraryItem, library: str) -> ExportedItem:
    return ExportedItem(library=library, section_id=item.section_id, rating_key=item.rating_key, type=item.type,
                        title=item.title, year=item.year, guids=tuple(item.guids), user_rating=item.user_rating,
                        last_rated_at=item.last_rated_at, view_count=item.view_count, show_title=item.show_title,
                        season=item.season, episode=item.episode)


def export_ratings(client: PlexClient, sections: Sequence[Section], fmt: str, out: Path, *, watched: bool = False,
                   user: str | None = None, workers: int = 4) -> ExportResult:
    """Collect the items and write them in `fmt` (one of FORMATS) to `out` (Letterboxd: `out`, or `out_1.csv`…)."""
    if fmt not in FORMATS:
        raise UsageError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
    items = collect(client, sections, watched=watched, workers=workers)
    if fmt == "json":
        backup = Backup(server_id=client.machine_identifier, server_name=client.name, user=user,
                        exported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        libraries=[s.title for s in sections], items=items)
        return ExportResult([write_backup(backup, out)], len(items))
    if fmt == "letterboxd":
        return write_letterboxd(items, out)
    if fmt == "imdb":
        return write_imdb(items, out)
    return ExportResult([write_csv(items, out)], len(items))


def write_backup(backup: Backup, path: Path) -> Path:
    data = {"format": BACKUP_FORMAT, "version": BACKUP_VERSION, **asdict(backup)}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _whole(rating: float | None) -> int | None:
    return int(rating) if rating is not None and float(rating).is_integer() and 1 <= rating <= 10 else None


def _rated(items: Iterable[ExportedItem], kinds: set[str]) -> tuple[list[ExportedItem], int]:
    """The items of `kinds` with a whole 1–10 rating, and how many rated ones of those kinds were not whole."""
    chosen = [i for i in items if i.type in kinds and i.user_rating is not None]
    whole = [i for i in chosen if _whole(i.user_rating) is not None]
    return whole, len(chosen) - len(whole)


def write_letterboxd(items: Iterable[ExportedItem], path: Path) -> ExportResult:
    """Films with their ids and `Rating10`, in as many files as keep each under LETTERBOXD_LIMIT bytes."""
    films, odd = _rated(items, {"movie"})
    lines = [_csv_line(LETTERBOXD_HEADER)]
    rows = [_csv_line((i.title, i.year or "", i.guid("imdb") or "", i.guid("tmdb") or "", _whole(i.user_rating)))
            for i in films]
    chunks: list[list[str]] = [[]]
    size = len(lines[0].encode())
    for row in rows:
        length = len(row.encode())
        if chunks[-1] and size + length > LETTERBOXD_LIMIT:
            chunks.append([])
            size = len(lines[0].encode())
        chunks[-1].append(row)
        size += length
    paths = [path] if len(chunks) == 1 else [path.with_name(f"{path.stem}_{n}{path.suffix or '.csv'}")
                                              for n in range(1, len(chunks) + 1)]
    for target, chunk in zip(paths, chunks, strict=True):
        target.write_text("".join(lines + chunk), encoding="utf-8", newline="")
    notes = [f"{odd} film(s) with a rating that is not a whole 1–10 left out (Rating10 takes whole numbers)"] if odd \
        else []
    if len(paths) > 1:
        notes.append(f"Split into {len(paths)} files of under 1 MB each, the most Letterboxd's importer takes")
    return ExportResult(paths, len(films), notes)


def write_imdb(items: Iterable[ExportedItem], path: Path) -> ExportResult:
    """IMDb's own columns for the items that have an IMDb id and a whole rating (IMDb rates no seasons)."""
    rated, odd = _rated(items, set(_IMDB_TYPES))
    usable = [i for i in rated if i.guid("imdb")]
    lines = [_csv_line(IMDB_HEADER)] + [
        _csv_line((i.guid("imdb"), _whole(i.user_rating), _day(i.last_rated_at),
                   f"{i.show_title}: {i.title}" if i.show_title else i.title, _IMDB_TYPES[i.type], i.year or ""))
        for i in usable]
    path.write_text("".join(lines), encoding="utf-8", newline="")
    notes = [f"{len(rated) - len(usable)} rated item(s) without an IMDb id left out"] if len(rated) > len(usable) \
        else []
    if odd:
        notes.append(f"{odd} item(s) with a rating that is not a whole 1–10 left out (IMDb takes whole numbers)")
    return ExportResult([path], len(usable), notes)


def write_csv(items: Iterable[ExportedItem], path: Path) -> Path:
    lines = [_csv_line(CSV_HEADER, neutral=True)] + [
        _csv_line((i.library, i.rating_key, i.type, i.title, i.year or "", i.show_title or "",
                   "" if i.season is None else i.season, "" if i.episode is None else i.episode,
                   i.guid("imdb") or "", i.guid("tmdb") or "", i.guid("tvdb") or "",
                   "" if i.user_rating is None else f"{i.user_rating:g}", _day(i.last_rated_at), i.view_count),
                  neutral=True)
        for i in items]
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return path


def _day(epoch: int | None) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).date().isoformat() if epoch else ""


class _Line:
    """A file-like that keeps what csv.writer writes, so a row's encoded size is known before it is placed."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)


def _csv_line(values: Sequence[object], *, neutral: bool = False) -> str:
    """One CSV row. With `neutral` (the plain CSV, meant for spreadsheets), a cell starting with = + - @ or a tab
    gets a leading ' so it is shown as text, not run as a formula; files meant for an importer keep titles exact."""
    buffer = _Line()
    csv.writer(buffer, lineterminator="\n").writerow([_neutral(v) for v in values] if neutral else values)
    return buffer.text


def _neutral(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def read_backup(path: Path) -> Backup:
    """A backup written by `export --format json`; SourceError (one line) for anything else."""
    try:
        check_size(path.name, path.stat().st_size)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file; expected a backup written by `ratings-to-plex export`") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise SourceError(f"{path.name}: is not a readable JSON backup ({err})") from None
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise SourceError(f"{path.name}: is not a ratings-to-plex backup (written by `ratings-to-plex export "
                          "--format json`)")
    try:
        items = [_item(entry) for entry in data["items"]]
        return Backup(server_id=str(data["server_id"]), server_name=str(data["server_name"]),
                      user=data.get("user"), exported_at=str(data["exported_at"]),
                      libraries=[str(name) for name in data["libraries"]], items=items, path=path)
    except (KeyError, TypeError, ValueError) as err:
        raise SourceError(f"{path.name}: a backup entry is damaged ({type(err).__name__}: {err})") from None


def _item(entry: Any) -> ExportedItem:
    rating = entry["user_rating"]
    if rating is not None and (isinstance(rating, bool) or not 0 <= float(rating) <= 10):
        raise ValueError(f"user_rating {rating!r} of item {entry.get('rating_key')} is not 0–10")
    return ExportedItem(
        library=str(entry["library"]), section_id=int(entry["section_id"]), rating_key=int(entry["rating_key"]),
        type=str(entry["type"]), title=str(entry["title"]), year=entry.get("year"),
        guids=tuple(str(g) for g in entry["guids"]), user_rating=None if rating is None else float(rating),
        last_rated_at=entry.get("last_rated_at"), view_count=int(entry.get("view_count") or 0),
        show_title=entry.get("show_title"), season=entry.get("season"), episode=entry.get("episode"))
