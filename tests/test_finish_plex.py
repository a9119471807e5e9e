"""plex/ reads no settings (issue 11): the remembered server and libraries are read by the application layer and
passed in — the behaviour a user sees is unchanged (the remembered server is used, and named when it is gone)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

import ratings_to_plex.plex as plex_package
from ratings_to_plex.app import AppSession, account
from ratings_to_plex.config import save_config
from ratings_to_plex.emulator import Emulator
from ratings_to_plex.errors import UsageError
from ratings_to_plex.plex import credentials, servers
from ratings_to_plex.plex.plextv import PLEXTV_ENV


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_no_plex_module_reads_the_settings() -> None:
    folder = Path(plex_package.__file__).parent
    readers = [p.name for p in folder.glob("*.py") if {"config", "..config"} & {m.lstrip(".") for m in
                                                                                 imported_modules(p)}]
    assert readers == []
    assert not hasattr(servers, "list_libraries") and not hasattr(credentials, "delete_token")  # dead code gone


def test_the_session_passes_the_remembered_server_and_libraries_in(emulator: Callable[..., Emulator], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    emu = emulator(movies=20, shows=2, seed=4)
    monkeypatch.setenv(PLEXTV_ENV, emu.url)
    credentials.save_token(emu.token)
    session = AppSession(journal_path=tmp_path / "journal.sqlite3", report_dir=tmp_path / "reports")
    try:
        save_config({"server": "Gone Server"})
        with pytest.raises(UsageError, match="remembered from your last run"):
            session.connect_server(None, None)
        save_config({"server": emu.ctx.machine_id, "libraries": ["TV Shows", "Music", "Movies"]})
        conn = session.connect_server(None, None)  # the remembered one, by machine identifier
        assert conn.identity.machine_id == emu.ctx.machine_id
        assert account.remembered_libraries(conn.client) == ("TV Shows", "Movies")  # those it still has, in order
        assert servers.remembered_libraries(conn.client, ["Movies", "Nope"]) == ("Movies",)
        assert servers.remembered_libraries(conn.client, "Movies") == ()  # not a list: nothing remembered
    finally:
        session.close()
