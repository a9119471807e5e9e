"""What a running job tells the interfaces: small frozen dataclasses, rendered by the CLI (rich), the desktop app
(Tk) and the web UI (HTML/SSE) each in its own way. Nothing here knows how it will be shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import RunSummary, StrEnum


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class LogLine:
    """One line of the run log (the same text the log file gets)."""

    text: str
    level: Level = Level.INFO


@dataclass(frozen=True)
class ProgressUpdate:
    """Writes done out of the plan's total; `eta_s` None until a rate is known."""

    done: int
    total: int
    eta_s: float | None = None


@dataclass(frozen=True)
class RunFinished:
    """A write job (sync, undo, resume) ended and its run is journaled."""

    summary: RunSummary


@dataclass(frozen=True)
class JobFailed:
    """The job stopped on an error; `message` is a sentence for a person (the token is never in it)."""

    message: str


@dataclass(frozen=True)
class JobEnded:
    """Always the last event of a job, whatever happened (`state` is a `jobs.JobState`; `result` what the job
    returned, e.g. a `Plan` for a preview or a `RunSummary` for a write)."""

    state: str
    result: Any = None


Event = LogLine | ProgressUpdate | RunFinished | JobFailed | JobEnded
