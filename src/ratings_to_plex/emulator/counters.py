"""Thread-safe request counters keyed by "METHOD /path-pattern", for request-count assertions and benchmarks."""

from __future__ import annotations

import threading
from collections import Counter

#: Patterns that change user state; everything else counts as a read.
WRITE_PATTERNS = frozenset({"/:/rate", "/:/scrobble", "/:/unscrobble",
                            "/discover/actions/rate", "/discover/actions/scrobble", "/discover/actions/unscrobble"})
WRITE_KEYS = frozenset({"PUT /library/sections/{id}/all"})


def is_write(key: str) -> bool:
    """Whether a counter key ("METHOD /pattern") is a state-changing request."""
    return key in WRITE_KEYS or key.split(" ", 1)[-1] in WRITE_PATTERNS


class Counters:
    """Counts every request (faulted ones too) plus, separately, every injected fault and status code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()

    def add(self, method: str, pattern: str) -> None:
        with self._lock:
            self._requests[f"{method} {pattern}"] += 1

    def add_fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def add_status(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1

    def snapshot(self) -> dict[str, int]:
        """Requests by "METHOD /pattern", e.g. {"GET /library/sections/{id}/all": 20, "PUT /:/rate": 3}."""
        with self._lock:
            return dict(self._requests)

    def faults(self) -> dict[str, int]:
        """Injected faults by kind: "500", "503", "429", "slow", "reset"."""
        with self._lock:
            return dict(self._faults)

    def statuses(self) -> dict[int, int]:
        """Responses by HTTP status (resets are not responses and are not counted here)."""
        with self._lock:
            return dict(self._statuses)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._statuses.clear()

    def total(self) -> int:
        with self._lock:
            return sum(self._requests.values())

    def writes(self) -> int:
        """Rate, scrobble, unscrobble and metadata-edit requests."""
        with self._lock:
            return sum(n for key, n in self._requests.items() if is_write(key))

    def reads(self) -> int:
        with self._lock:
            return sum(n for key, n in self._requests.items() if not is_write(key))

    def get(self, key: str) -> int:
        with self._lock:
            return self._requests.get(key, 0)
