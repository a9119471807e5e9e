"""Getting an export file onto the server safely: streamed uploads with a size cap, and a configured import folder.

Uploads are parsed as they arrive (never held in memory, never in the shared temp folder) and written into a
private 0700 folder of our own, under a cleaned-up copy of the file's base name (the readers and the report names
use it). The import folder is offered by opaque ids: the browser never sends a path, and nothing it sends is ever
joined to a folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO, Final, cast

from python_multipart.multipart import MultipartParser, parse_options_header

from ..errors import UsageError
from .settings import too_large_message

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

EXPORT_SUFFIXES: Final = frozenset({".csv", ".tsv", ".txt", ".zip", ".json"})
_UNSAFE = re.compile(r"[^\w.\- ()]+")


class UploadTooLarge(UsageError):
    """Raised when an upload is bigger than the configured cap."""


@dataclass(frozen=True)
class StoredFile:
    """A file we hold for a browser session: where it is, what the user called it, and whether we may delete it."""

    path: Path
    name: str
    owned: bool  # True for uploads (ours to delete), False for files of the import folder


class UploadArea:
    """A private folder (0700) for the uploads of one running web server; removed when the server stops."""

    def __init__(self, parent: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ratings-to-plex-web-", dir=parent))
        os.chmod(self.root, 0o700)

    def new_slot(self) -> Path:
        """A fresh private sub-folder for one upload (so two uploads of `ratings.csv` never collide)."""
        return Path(tempfile.mkdtemp(prefix="u", dir=self.root))

    def discard(self, stored: StoredFile | None) -> None:
        """Delete an upload (and its folder); files of the import folder are never touched."""
        if stored is None or not stored.owned:
            return
        with contextlib.suppress(OSError):
            if stored.path.parent.parent == self.root:
                shutil.rmtree(stored.path.parent)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def clean_name(name: str) -> str:
    """The base name of a client's file name, reduced to safe characters (never a path)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip(" .")[:100]
    return base or "upload.csv"


async def receive_upload(chunks: AsyncIterator[bytes], content_type: str, area: UploadArea, limit: int,
                         field: str = "file") -> StoredFile:
    """Stream the `field` file of a multipart body into a new slot; raises UploadTooLarge past `limit` bytes and
    UsageError when the body holds no such file. The partial file is deleted on any failure."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UsageError("Send the export as a multipart form upload (field 'file').")
    sink = _PartSink(area.new_slot(), field, limit)
    parser = MultipartParser(boundary, cast("MultipartCallbacks", sink.callbacks()))
    try:
        async for chunk in chunks:
            parser.write(chunk)
            sink.check()
        parser.finalize()
        sink.check()
    except BaseException:
        sink.abort()
        raise
    return sink.result()


class _PartSink:
    """python-multipart callbacks writing the wanted part to disk and counting its size."""

    def __init__(self, slot: Path, field: str, limit: int) -> None:
        self.slot, self.field, self.limit = slot, field, limit
        self.size = 0
        self._header_field = b""
        self._headers: dict[bytes, bytes] = {}
        self._handle: BinaryIO | None = None
        self._file: Path | None = None
        self._name = ""
        self._too_big = False

    def callbacks(self) -> dict[str, object]:
        return {"on_part_begin": self._begin, "on_header_field": self._hfield, "on_header_value": self._hvalue,
                "on_headers_finished": self._open, "on_part_data": self._data, "on_part_end": self._close}

    def _begin(self) -> None:
        self._headers = {}

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._header_field = data[start:end].lower()

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._headers[self._header_field] = self._headers.get(self._header_field, b"") + data[start:end]

    def _open(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        filename = params.get(b"filename")
        if params.get(b"name", b"").decode("latin-1") == self.field and filename is not None and self._file is None:
            self._name = clean_name(filename.decode("utf-8", "replace"))
            self._file = self.slot / self._name
            self._handle = self._file.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._handle is None or self._too_big:
            return
        self.size += end - start
        if self.size > self.limit:
            self._too_big = True
            return
        self._handle.write(data[start:end])

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def check(self) -> None:
        if self._too_big:
            raise UploadTooLarge(too_large_message(self.limit))

    def abort(self) -> None:
        self._close()
        shutil.rmtree(self.slot, ignore_errors=True)

    def result(self) -> StoredFile:
        self._close()
        if self._file is None or not self._file.is_file():
            shutil.rmtree(self.slot, ignore_errors=True)
            raise UsageError("No file was uploaded: choose an export file first.")
        return StoredFile(self._file, self._name, owned=True)


class ImportFolder:
    """The exports in a configured folder, each known to the browser only by an opaque, keyed id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._key = secrets.token_bytes(16)

    def _id(self, name: str) -> str:
        return hmac.new(self._key, name.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:20]

    def listing(self) -> list[tuple[str, str, int]]:
        """(id, file name, size) of every export-looking regular file, newest first."""
        try:
            entries = [e for e in os.scandir(self.folder)
                       if e.is_file(follow_symlinks=False) and Path(e.name).suffix.lower() in EXPORT_SUFFIXES]
        except OSError:
            return []
        entries.sort(key=lambda e: e.stat().st_mtime, reverse=True)
        return [(self._id(e.name), e.name, e.stat().st_size) for e in entries]

    def resolve(self, file_id: str) -> StoredFile:
        """The file behind an id from `listing()`; UsageError when it is not (or no longer) there."""
        for found_id, name, _size in self.listing():
            if hmac.compare_digest(found_id, file_id):
                return StoredFile(self.folder / name, name, owned=False)
        raise UsageError("That file is no longer in the import folder: reload the page and pick again.")
