"""The session's ratings-out and ratings-back side: export (JSON backup, Letterboxd, IMDb-style, CSV), read a backup,
take a user's ratings as a backup in memory (to copy them to another Plex Home user), and plan a restore.

A mixin of `AppSession` (kept apart so the session module stays small). A restore plan is a `Plan` of kind RESTORE
bound to the connection's identity; `AppSession.write` journals and applies it like any other, so it can be undone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from ..export import FORMATS, Backup, ExportResult, collect, export_ratings, read_backup
from ..plan import Plan
from ..restore import plan_restore, restore_sections
from ..sync import SyncOptions, choose_sections
from .connection import Connection

__all__ = ["FORMATS", "Backup", "BackupJobs", "ExportResult"]


class BackupJobs:
    """Export and restore, for `AppSession` (which provides `workers`)."""

    workers: int

    def export_ratings(self, conn: Connection, options: SyncOptions, fmt: str, out: Path, *,
                       watched: bool = False) -> ExportResult:
        """Write the rated (and with `watched`, watched) items of the libraries `options` names to `out` in `fmt`
        (one of `FORMATS`); nothing is written to Plex."""
        sections = choose_sections(conn.client, options)
        return export_ratings(conn.client, sections, fmt, out, watched=watched,
                              user=conn.identity.user_name or None, workers=self.workers)

    def read_backup(self, path: Path) -> Backup:
        """A JSON backup written by `export --format json` (a bad file names itself and the problem)."""
        return read_backup(Path(path))

    def ratings_backup(self, conn: Connection, options: SyncOptions) -> Backup:
        """The connection's user's rated items of the libraries `options` names, as a backup held in memory (what
        copying one Home user's ratings to another restores)."""
        sections = choose_sections(conn.client, options)
        items = [i for i in collect(conn.client, sections, workers=self.workers) if i.user_rating is not None]
        return Backup(server_id=conn.identity.machine_id, server_name=conn.name,
                      user=conn.identity.user_name or None,
                      exported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      libraries=[s.title for s in sections], items=items)

    def plan_restore(self, conn: Connection, backup: Backup, libraries: tuple[str, ...] = ()) -> Plan:
        """Read the backup's libraries (or `libraries`) on this server once and plan, per item, the rating the
        backup gives it; nothing is written."""
        plan = plan_restore(conn.client, backup, restore_sections(conn.client, backup, libraries),
                            workers=self.workers)
        plan.identity, plan.file = conn.identity, backup.path
        return plan
