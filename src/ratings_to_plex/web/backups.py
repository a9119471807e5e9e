"""Ratings out and back: "Export ratings…" (download the file or files) and "Restore from backup…" (upload a JSON
backup, preview it in the same table as a sync, write it through the one write job — journaled and undoable).

Both go through the app session (`export_ratings`, `read_backup`, `plan_restore`, `write`). Exported files are made
in a private slot of the upload area and served only from this browser session's own record of them, by number:
no name or path from the client is ever used to find a file.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..app import Job, Plan, SyncOptions
from ..app.backup import FORMATS
from ..errors import UsageError
from .flow import ExportChoice, Flow, Services, require_conn
from .jobs import RESTORE_PREVIEW, _follow, _writing_job
from .uploads import StoredFile

FORMAT_LABELS: Final = {"letterboxd": "Letterboxd import CSV (Rating10, split under 1 MB)",
                        "imdb": "IMDb-style CSV", "json": "Full JSON backup (restorable)", "csv": "Plain CSV"}
_SUFFIX: Final = {"json": ".json", "letterboxd": ".csv", "imdb": ".csv", "csv": ".csv"}


@dataclass(frozen=True)
class Exported:
    """The files one export made (in one private slot), for download."""

    stored: StoredFile  # the slot's first file: discarding it deletes the whole slot
    files: tuple[Path, ...]
    archive: Path | None  # a zip of every part, when the export was split
    items: int
    fmt: str
    notes: tuple[str, ...]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "plex"


def export(flow: Flow, services: Services, libraries: tuple[str, ...], all_libraries: bool, fmt: str,
           watched: bool) -> Exported:
    """Write the chosen libraries' rated (and with `watched`, watched) items as `fmt`, replacing the last export."""
    conn = require_conn(flow)
    with flow.lock:
        flow.export_choice = ExportChoice(libraries, all_libraries, fmt if fmt in FORMATS else "letterboxd", watched)
    if fmt not in FORMATS:
        raise UsageError(f"Choose an export format: one of {', '.join(FORMATS)}.")
    if not libraries and not all_libraries:
        raise UsageError("Choose at least one library to export (or all of them).")
    slot = services.uploads.new_slot()
    who = f"-{_slug(conn.identity.user_name)}" if conn.identity.user_name else ""
    out = slot / f"plex-ratings-{_slug(conn.name)}{who}-{fmt}{_SUFFIX[fmt]}"
    try:
        result = services.app.export_ratings(conn, SyncOptions(libraries=() if all_libraries else libraries,
                                                               all_libraries=all_libraries), fmt, out,
                                             watched=watched)
        files = tuple(p for p in result.paths if p.is_file())
        if not files:
            raise UsageError("The export wrote no file: nothing in those libraries is rated.")
        archive = None
        if len(files) > 1:
            archive = slot / f"{out.stem}.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
                for path in files:
                    zipped.write(path, path.name)
    except BaseException:
        services.uploads.discard(StoredFile(out, out.name, owned=True))
        raise
    done = Exported(StoredFile(files[0], files[0].name, owned=True), files, archive, result.items, fmt,
                    tuple(result.notes))
    with flow.lock:
        old, flow.exported = flow.exported, done
    if old is not None:
        services.uploads.discard(old.stored)
    return done


def use_backup(flow: Flow, services: Services, stored: StoredFile) -> None:
    """Read an uploaded backup (a bad file is named with its problem, and deleted at once)."""
    try:
        backup = services.app.read_backup(stored.path)
    except BaseException:
        services.uploads.discard(stored)
        raise
    with flow.lock:
        old, flow.backup, flow.backup_file = flow.backup_file, backup, stored
    services.uploads.discard(old)


def start_restore_preview(flow: Flow, services: Services) -> Job:
    """Plan, in the background, making the backup's libraries' ratings exactly what the backup says."""
    conn = require_conn(flow)
    with flow.lock:
        backup = flow.backup
        if flow.busy():
            raise UsageError("Wait for the running job to finish (or cancel it) first.")
    if backup is None:
        raise UsageError("Upload a JSON backup (made by Export ratings… as Full JSON backup) first.")
    if _writing_job(services, conn) is not None:
        raise UsageError(f"Something is being written to {conn.name} right now: preview once it has finished.")

    def target(job: Job) -> Plan:
        job.log(f"Reading the backup's libraries on {conn.name}…")
        return services.app.plan_restore(conn, backup)

    return _follow(flow, services.runner.start(RESTORE_PREVIEW, target, identity=conn.identity, writes=False))
