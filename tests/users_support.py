"""Helpers for the Plex Home user tests (CLI, GUI, web): an emulator whose plex.tv has the Home and where the owner is
signed in, the people in it, and every person's ratings, so each test can say "only this user's ratings changed"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from typer.testing import CliRunner

from ratings_to_plex.cli import app
from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.emulator.users import Person
from ratings_to_plex.plex import credentials, users
from ratings_to_plex.plex.acting import PIN_ENV, USER_ENV
from tests.emulator_fixtures import plextv_emulator

runner = CliRunner()
State = dict[int, tuple[float | None, int]]


@contextmanager
def home_emulator(monkeypatch: pytest.MonkeyPatch, config: EmulatorConfig | None = None,
                  retry_after_s: float | None = 0.05) -> Iterator[Emulator]:
    """The emulator as plex.tv and server, the owner signed in (the stored token, as if remembered from last time),
    no user or PIN chosen by the environment and no user token cached from another test. `retry_after_s`: the
    least wait plex.tv answers (429) after too many profile switches (None: the emulator's own default)."""
    config = config or EmulatorConfig(movies=120, shows=2, episodes_per_show=2, seed=21)
    with plextv_emulator(monkeypatch, config) as e:
        for name in (PIN_ENV, USER_ENV):
            monkeypatch.delenv(name, raising=False)
        credentials.save_token(e.token)
        users.TOKENS._tokens.clear()
        if retry_after_s is not None:
            e.ctx.users.retry_after_s = retry_after_s
        yield e


def who(emu: Emulator, name: str) -> Person:
    found = emu.ctx.users.by_ref(name)
    assert found is not None
    return found


def everybody(emu: Emulator) -> dict[str, State]:
    """Every person's rating and play count of every item."""
    states = {"owner": {k: (s.user_rating, s.view_count) for k, s in emu.state().items()}}
    for p in emu.ctx.users.people:
        states[p.title] = emu.ctx.users.state_of(p, emu.library)
    return states


def invoke(*args: str) -> tuple[int, dict[str, Any], str]:
    """The CLI with --json: (exit code, its JSON object or {}, stderr)."""
    result = runner.invoke(app, [*args, "--json"])
    payload = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, payload, result.stderr
