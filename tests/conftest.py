"""Shared fixtures: every test runs with its own config/data/report folders, and emulators are real servers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig

# No test may touch the real user's folders, keyring or plex.tv.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
os.environ["PLEXAPI_PLEXAPI_AUTORELOAD"] = "false"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("CONFIG", "DATA", "REPORT"):
        folder = tmp_path / name.lower()
        monkeypatch.setenv(f"RATINGS_TO_PLEX_{name}_DIR", str(folder))
    monkeypatch.delenv("PLEX_URL", raising=False)
    monkeypatch.delenv("PLEX_TOKEN", raising=False)
    yield tmp_path


@pytest.fixture
def emulator() -> Iterator[Callable[..., Emulator]]:
    """The one way tests start emulators: `emulator(movies=80, seed=3, …)` (any `EmulatorConfig` field) returns a
    running one — a real HTTP server on 127.0.0.1 — and every one started is stopped after the test."""
    started: list[Emulator] = []

    def start(**config: Any) -> Emulator:
        emu = Emulator(EmulatorConfig(**config)).start()
        started.append(emu)
        return emu

    yield start
    for emu in reversed(started):
        emu.stop()


@pytest.fixture
def same_name(emulator: Callable[..., Emulator]) -> tuple[Emulator, Emulator]:
    """Two servers both called "Plex Media Server" (different machine identifiers and libraries): the case where a
    name cannot tell which server a run wrote to."""
    return (emulator(movies=80, shows=0, seed=31, server_name="Plex Media Server"),
            emulator(movies=80, shows=0, seed=32, server_name="Plex Media Server"))
