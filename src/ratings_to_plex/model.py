"""The types the engine stages, the application session and every interface share: identity, runs, their states.

States are string enums (`RunStatus.DONE == "done"`), so the journal, the `--json` output and older callers that
compare with plain strings keep working while new code gets names a type checker can follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .apply import Outcome
    from .plan import Plan
    from .report import Tally


class StrEnum(str, Enum):
    """`enum.StrEnum` for Python 3.10: the member is its value in f-strings, JSON and SQLite."""

    def __str__(self) -> str:
        return str(self.value)


class RunStatus(StrEnum):
    """Where a journaled run stands. RUNNING, CANCELLED and STOPPED are unfinished: `--resume` can finish them."""

    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"  # the user cancelled: writes in flight finished, the rest were never attempted
    STOPPED = "stopped"  # the run stopped itself: token refused, or the server was lost
    FAILED = "failed"
    DRY_RUN = "dry_run"

    @property
    def finished(self) -> bool:
        return self not in UNFINISHED


UNFINISHED: Final = frozenset({RunStatus.RUNNING, RunStatus.CANCELLED, RunStatus.STOPPED})


class RunKind(StrEnum):
    """What a plan does. A resume continues its run under the run's own id and kind (the journal has no
    `resume` rows); RESTORE writes a JSON backup (`export --format json`, or a Home user's ratings being copied)
    back."""

    SYNC = "sync"
    UNDO = "undo"
    RESUME = "resume"
    RESTORE = "restore"


class ChangeState(StrEnum):
    """How far one journaled change got: PLANNED → WRITING (journaled before the request) → APPLIED or FAILED."""

    PLANNED = "planned"
    WRITING = "writing"
    APPLIED = "applied"
    FAILED = "failed"


POSSIBLY_WRITTEN: Final = (ChangeState.APPLIED, ChangeState.WRITING, ChangeState.FAILED)


class OutcomeStatus(StrEnum):
    """What became of one planned write."""

    UPDATED = "updated"  # the rating and/or watched state was written
    FAILED = "failed"
    CANCELLED = "cancelled"  # never attempted: the run was cancelled or stopped first


@dataclass(frozen=True)
class Identity:
    """Whose ratings a run reads and writes: one server (by machine identifier, never by name) and one Plex user.

    `user_id` None is the signed-in account itself; a Plex Home user has their own id (their uuid). The signed-in
    account is then told apart by `account_id`: its plex.tv uuid when known, else a one-way fingerprint of the token
    (`app.accounts`) — so a second Plex account signing in under the same OS user is not taken for the first.
    `token_id` (the token's fingerprint, not compared) lets a run recorded before the account was known still be
    recognised by the same token. Names and the URL are only for showing: two servers may share a name, and one
    server may answer at several URLs.
    """

    machine_id: str
    user_id: str | None = None
    server_name: str = field(default="", compare=False)
    server_url: str = field(default="", compare=False)
    user_name: str = field(default="", compare=False)
    account_id: str | None = None
    token_id: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.user_id:  # "" and None both mean the signed-in account itself
            object.__setattr__(self, "user_id", None)
        if self.user_id is not None or not self.account_id:  # a Home user's own id says whose ratings they are
            object.__setattr__(self, "account_id", None)

    @property
    def key(self) -> str:
        """A stable text key (for lock files, maps and URLs). Not the account: one account may be known by its uuid
        or its token's fingerprint, so the one-writer lock keyed by this errs on the side of waiting."""
        return f"{self.machine_id}/{self.user_id or ''}"

    @property
    def label(self) -> str:
        """`Home (192.168.1.10:32400)` — what a person reads to tell two same-named servers apart."""
        where = self.server_url.split("://", 1)[-1] if self.server_url else self.machine_id[:8]
        name = self.server_name or "Plex server"
        return f"{name} ({where})" + (f" as {self.user_name}" if self.user_name else "")

    def same_user(self, run: Identity) -> bool:
        """Whether `run` (a journaled run's identity) wrote to this server as this user.

        Same machine id and same Home user, and for the signed-in account the same account: its uuid, or the
        fingerprint of the very token this connection uses. A run journaled before accounts were recorded
        (`account_id` None) is taken as the signed-in account's, as it always was."""
        if not run.machine_id or run.machine_id != self.machine_id or run.user_id != self.user_id:
            return False
        return run.account_id is None or run.account_id in (self.account_id, self.token_id)


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """One journaled run (a history row), with its changes counted by state."""

    id: int
    kind: str  # a `RunKind` value (kept as text: a newer version may journal kinds this one does not know)
    started_at: float
    finished_at: float | None
    status: RunStatus
    file: str | None
    file_hash: str | None
    server_name: str | None
    server_url: str | None
    machine_id: str | None
    undo_of: int | None
    undone_by: int | None
    dry_run: bool
    user_id: str | None = None
    user_name: str | None = None  # the Plex Home user's name when the run was made, for showing
    account_id: str | None = None  # the signed-in account (uuid or token fingerprint); None before it was recorded
    unmatched_csv: str | None = None  # the run's reports (paths), None when it wrote none or predates recording them
    run_log: str | None = None
    applied: int = 0
    failed: int = 0
    pending: int = 0  # planned or writing
    writing: int = 0  # journaled as being written when the process stopped: may have landed
    libraries: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED

    @property
    def possibly_written(self) -> int:
        """Changes that reached, or may have reached, the server (a killed or failed write may have landed)."""
        return self.applied + self.failed + self.writing

    @property
    def identity(self) -> Identity:
        return Identity(self.machine_id or "", self.user_id, self.server_name or "", self.server_url or "",
                        self.user_name or "", self.account_id)


@dataclass
class RunSummary:
    """What a sync, undo or resume did: returned by the executor, rendered by every interface."""

    run_id: int
    dry_run: bool
    plan: Plan
    outcomes: list[Outcome]
    tally: Tally
    status: str
    unmatched_csv: Path | None = None
    run_log: Path | None = None
    kind: RunKind = RunKind.SYNC

    @property
    def counts(self) -> dict[str, int]:
        return self.tally.counts

    def to_json(self) -> dict[str, Any]:
        """The `--json` object of INTERFACES.md."""
        from .apply import CANCELLED
        from .report import counts_key

        src = self.plan.source
        by_key = {o.change.item.rating_key: o for o in self.outcomes}
        changes = []
        for c in self.plan.listed:
            o = by_key.get(c.item.rating_key)
            status = c.skip or ("planned" if self.dry_run else (o.status if o else CANCELLED))
            changes.append({"rating_key": c.item.rating_key, "title": c.item.title, "year": c.item.year,
                            "old": c.old_rating, "new": c.new_rating, "watched": c.watched, "status": str(status)})
        return {
            "run_id": self.run_id, "dry_run": self.dry_run, "status": str(self.status),
            "source": {"format": src.format if src else None, "file": str(src.file) if src else None,
                       "rows": len(src.rows) + sum(src.problem_counts().values()) if src else 0},
            "counts": {counts_key(k): v for k, v in self.tally.counts.items()},
            "changes": changes,
            "reports": {"unmatched_csv": str(self.unmatched_csv) if self.unmatched_csv else None,
                        "run_log": str(self.run_log) if self.run_log else None},
        }
