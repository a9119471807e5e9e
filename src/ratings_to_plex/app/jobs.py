"""Background jobs as objects: a state, the latest progress, a cancel switch and an event list that any number of
followers (the desktop window, several browser tabs) can read from their own position, without losing a line.

The desktop app and the web UI start their long work (preview, write, undo, resume) as jobs; the CLI calls the
session synchronously. At most one *writing* job per server and Plex user runs at a time in a process (the session's
write lock extends that across processes).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..errors import RatingsToPlexError, UsageError
from ..model import Identity, StrEnum
from ..security import redact
from .advice import Interface, worded
from .events import Event, JobEnded, JobFailed, LogLine, ProgressUpdate

log = logging.getLogger(__name__)


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # cancel was asked; the job ended (writes in flight finished and were journaled)


class JobBusy(UsageError):
    """Raised when a writing job is started for a server and user that another writing job is using."""


class Job:
    """One unit of background work. Thread-safe: the worker emits, followers read."""

    def __init__(self, job_id: str, kind: str, identity: Identity | None, writes: bool) -> None:
        self.id, self.kind, self.identity, self.writes = job_id, kind, identity, writes
        self.state = JobState.RUNNING
        self.cancel = threading.Event()  # pass to the session's write(cancel=…)
        self.result: Any = None
        self.error: str | None = None
        self.progress: ProgressUpdate | None = None
        self._events: list[Event] = []
        self._changed = threading.Condition()

    def emit(self, event: Event) -> None:
        """Add an event for every follower (also the session's `on_event` callback)."""
        with self._changed:
            if isinstance(event, ProgressUpdate):
                self.progress = event
            self._events.append(event)
            self._changed.notify_all()

    def log(self, text: str) -> None:
        self.emit(LogLine(text))

    def events(self, after: int = 0, timeout: float = 0.0) -> list[Event]:
        """The events from position `after` on; waits up to `timeout` s for one when there is none yet."""
        with self._changed:
            if len(self._events) <= after and self.state is JobState.RUNNING and timeout > 0:
                self._changed.wait(timeout)
            return self._events[after:]

    @property
    def finished(self) -> bool:
        return self.state is not JobState.RUNNING

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self.state is not JobState.RUNNING, timeout)

    def _end(self, state: JobState, result: Any = None, error: str | None = None) -> None:
        if error is not None:
            self.emit(JobFailed(error))
        with self._changed:
            self.result, self.error = result, error
            self._events.append(JobEnded(state, result))
            self.state = state  # last: a follower that sees the end also sees every event
            self._changed.notify_all()


def failure_message(exc: Exception, what: str = "job", interface: Interface = "cli") -> str:
    """What a person reads when a job fails: our errors as they are (they say what to do; worded for
    `interface` when their advice differs there: `advice`), anything else as an unexpected error — a bug — with
    the details in the Python log. Never the token."""
    if isinstance(exc, RatingsToPlexError):
        return worded(exc, interface)
    log.error("%s failed", what, exc_info=exc)
    return (f"Unexpected error ({type(exc).__name__}: {redact(str(exc))[:200]}). This is a bug in ratings-to-plex; "
            "please report it.")


class JobRunner:
    """Starts jobs in daemon threads and keeps the recent ones, so a follower can ask for a job by id."""

    def __init__(self, keep: int = 50, interface: Interface = "cli") -> None:
        self._interface = interface  # whose words a failed job's advice is in (`advice`)
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._keep = keep

    def start(self, kind: str, target: Callable[[Job], Any], *, identity: Identity | None = None,
              writes: bool = False) -> Job:
        """Run `target(job)` in a thread; its return value becomes `job.result`. A writing job refuses to start
        while another writing job of the same server and user is running (`JobBusy`)."""
        with self._lock:
            if writes and identity is not None:
                for other in self._jobs.values():
                    if other.writes and not other.finished and other.identity == identity:
                        raise JobBusy(f"Something is already being written to {identity.label} ({other.kind}): "
                                      "wait for it to finish, or cancel it.")
            job = Job(str(next(self._ids)), kind, identity, writes)
            self._jobs[job.id] = job
            self._forget_old()
            thread = threading.Thread(target=self._run, args=(job, target), name=f"r2p-job-{kind}-{job.id}",
                                      daemon=True)
            self._threads[job.id] = thread
        thread.start()
        return job

    def _run(self, job: Job, target: Callable[[Job], Any]) -> None:
        try:
            result = target(job)
        except Exception as exc:
            job._end(JobState.FAILED, error=failure_message(exc, job.kind, self._interface))
        else:
            job._end(JobState.CANCELLED if job.cancel.is_set() else JobState.DONE, result)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Every kept job, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def running(self) -> list[Job]:
        return [j for j in self.jobs() if not j.finished]

    def shutdown(self, timeout: float = 3.0) -> None:
        """Cancel every job (writes in flight finish and are journaled) and wait for the threads."""
        for job in self.running():
            job.cancel.set()
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished]
        for job in finished[:max(0, len(finished) - self._keep)]:
            self._jobs.pop(job.id, None)
            self._threads.pop(job.id, None)
