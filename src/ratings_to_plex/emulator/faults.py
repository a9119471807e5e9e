"""Fault injection: decide, per request, whether to answer with an error, stall, or drop the connection.

The decision uses a seeded RNG behind a lock so a run with a given seed and request order is reproducible.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .hostile import Hostile

FAULT_KINDS = ("500", "503", "429", "slow", "reset")


@dataclass
class FaultConfig:
    """Mutable fault knobs; change them on a running emulator (`emu.faults.rate_500 = 1.0`)."""

    rate_500: float = 0.0
    rate_503: float = 0.0
    rate_429: float = 0.0
    retry_after: float = 1.0
    rate_slow: float = 0.0
    slow_seconds: float = 2.0
    rate_reset: float = 0.0
    only_paths: tuple[str, ...] | None = None
    latency_ms: float = 0.0
    seed: int = 0
    hostile: Hostile | None = None  # one attack of a hostile server (emulator/hostile.py), or None
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    @classmethod
    def spread(cls, fault_rate: float, *, latency_ms: float = 0.0, seed: int = 0) -> FaultConfig:
        """Spread one overall rate evenly over 500, 503, 429 and connection reset."""
        share = max(0.0, min(1.0, fault_rate)) / 4
        return cls(rate_500=share, rate_503=share, rate_429=share, rate_reset=share, latency_ms=latency_ms,
                   seed=seed)

    def clear(self) -> None:
        """Turn every fault and attack off (latency is kept)."""
        self.rate_500 = self.rate_503 = self.rate_429 = self.rate_slow = self.rate_reset = 0.0
        self.only_paths = None
        self.hostile = None

    def applies_to(self, path: str) -> bool:
        """Whether faults may hit this path (all paths unless `only_paths` restricts them by prefix)."""
        return self.only_paths is None or any(path.startswith(p) for p in self.only_paths)

    def choose(self, path: str) -> str | None:
        """Pick a fault kind for one request, or None to answer normally."""
        rates = (self.rate_500, self.rate_503, self.rate_429, self.rate_slow, self.rate_reset)
        if not any(rates) or not self.applies_to(path):
            return None
        with self._lock:
            roll = self._rng.random()
        acc = 0.0
        for kind, rate in zip(FAULT_KINDS, rates, strict=True):
            acc += rate
            if roll < acc:
                return kind
        return None
