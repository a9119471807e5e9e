"""What the controller's mixins (account.py, journal_jobs.py) need from `Controller`: its state and job runner."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .engine import Engine
from .events import Event

if TYPE_CHECKING:
    from ..app import Connection
    from ..app.account import ServerInfo


class ControllerHost(ABC):
    """The controller's shared state and the two methods every job uses; `Controller` implements them."""

    engine: Engine
    _lock: threading.Lock
    _servers: dict[str, ServerInfo]  # by menu label (unique; see `events.ServerChoice`)
    _clients: dict[str, Connection]  # by menu label
    _plan: Any

    @abstractmethod
    def post(self, event: Event) -> None:
        """Hand an event to the Tk thread (through the queue)."""
        raise NotImplementedError

    @abstractmethod
    def _spawn(self, job: str, target: Callable[..., Any], *args: Any, exclusive: tuple[str, ...] = ()) -> bool:
        """Run `target` in a worker thread as job `job`, unless a job it excludes is running."""
        raise NotImplementedError
