"""The journal's view of one run being written: `before` each write, `after` it, and `finish` — the `apply.Journal`
the executor hands to `apply_plan`. It holds the run's OS lock (`runlock`) from start (or reopen) to finish, so no
other process resumes or undoes the run meanwhile.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from .apply import UPDATED, Outcome
from .errors import JournalError
from .plan import Change
from .runlock import RunLock
from .security import redact

if TYPE_CHECKING:
    from .journal import JournalDB


class RunRecorder:
    """The `apply.Journal` of one run; holds the run's OS lock while the run is being written."""

    def __init__(self, journal: JournalDB, run_id: int) -> None:
        self.journal = journal
        self.run_id = run_id
        self.lock = RunLock(journal.path.parent, run_id)

    def before(self, change: Change) -> None:
        self.journal.execute("UPDATE changes SET state='writing' WHERE run_id=? AND rating_key=?",
                             (self.run_id, change.item.rating_key))

    def after(self, outcome: Outcome) -> None:
        state = "applied" if outcome.status == UPDATED else "failed"
        self.journal.execute(
            "UPDATE changes SET state=?, error=?, written_at=? WHERE run_id=? AND rating_key=?",
            (state, redact(outcome.error) if outcome.error else None, outcome.finished_at or time.time(),
             self.run_id, outcome.change.item.rating_key))

    def save_leaves(self, parent_key: int, view_counts: dict[int, int]) -> None:
        """Episodes' view counts before their show or season is marked watched (the first snapshot wins)."""
        self.journal.executemany("INSERT OR IGNORE INTO leaves VALUES (?, ?, ?, ?)",
                                 [(self.run_id, parent_key, k, v) for k, v in view_counts.items()])

    def reopen(self) -> None:
        """Mark a resumed run as running again, so a second interruption leaves it resumable."""
        if not self.lock.acquire():
            raise JournalError(f"Run {self.run_id} is still running in another process: let it finish (or stop "
                               "it) before resuming it.")
        self.journal.execute("UPDATE runs SET status='running', finished_at=NULL WHERE id=?", (self.run_id,))

    def finish(self, status: str, counts: dict[str, int]) -> None:
        try:
            self.journal.execute("UPDATE runs SET status=?, finished_at=?, counts=? WHERE id=?",
                                 (status, time.time(), json.dumps(counts, sort_keys=True), self.run_id))
        finally:
            self.lock.release()
