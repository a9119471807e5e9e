"""The journal's view of one run being written: `before` each write, `after` it, and `finish` — the `apply.Journal`
the executor hands to `apply_plan`. It holds the run's OS lock (`runlock`) from start (or reopen) to finish, so no
other process resumes or undoes the run meanwhile.
"""

from __future__ import annotations

import json
import threading
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
        self._queued = threading.Lock()  # guards the three fields below (held for microseconds)
        self._marks: list[tuple[int, int]] = []  # (run id, rating key) to mark `writing`
        self._outcomes: list[tuple[str, str | None, float, int, int]] = []
        self._tickets = 0  # marks queued so far; a mark's ticket is its number
        self._committing = threading.Lock()  # one commit at a time
        self._committed = 0  # every mark up to this ticket is committed

    def before(self, change: Change) -> None:
        """Returns once this change is committed `writing` — the write may go out only then (undo and resume
        re-read every `writing` change). Group commit: one thread commits every mark and outcome queued meanwhile,
        so 16 writers in flight cost a commit each only when they do not overlap."""
        with self._queued:
            self._marks.append((self.run_id, change.item.rating_key))
            self._tickets += 1
            ticket = self._tickets
        with self._committing:
            if self._committed < ticket:  # no other thread's commit carried this mark
                self._commit()

    def after(self, outcome: Outcome) -> None:
        """Queued, committed with the next `before` (or `flush`/`finish`). Safe to lose in a kill: the change stays
        `writing`, and resume and undo read such changes back from the server before trusting them."""
        state = "applied" if outcome.status == UPDATED else "failed"
        row = (state, redact(outcome.error) if outcome.error else None, outcome.finished_at or time.time(),
               self.run_id, outcome.change.item.rating_key)
        with self._queued:
            self._outcomes.append(row)

    def flush(self) -> None:
        """Commit every queued outcome now."""
        with self._committing:
            self._commit()

    def _commit(self) -> None:
        """Commit what is queued in one transaction (the caller holds `_committing`). On failure the rows go back
        to the queue, so a waiting writer whose mark was in it commits it itself (or sees the same error)."""
        with self._queued:
            marks, outcomes, upto = self._marks, self._outcomes, self._tickets
            self._marks, self._outcomes = [], []
        try:
            self.journal.transaction([  # outcomes first: each was queued before any mark of the same change
                ("UPDATE changes SET state=?, error=?, written_at=? WHERE run_id=? AND rating_key=?", outcomes),
                ("UPDATE changes SET state='writing' WHERE run_id=? AND rating_key=?", marks)])
        except BaseException:
            with self._queued:
                self._marks[:0], self._outcomes[:0] = marks, outcomes
            raise
        self._committed = upto

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
            self.flush()
            self.journal.execute("UPDATE runs SET status=?, finished_at=?, counts=? WHERE id=?",
                                 (status, time.time(), json.dumps(counts, sort_keys=True), self.run_id))
        finally:
            self.lock.release()
