"""`copy --from-user A --to-user B`: B gets A's ratings (B's others stay), as B, journaled and undoable as B."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.plex.acting import PIN_ENV
from tests.users_support import everybody, home_emulator, invoke


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    config = EmulatorConfig(movies=150, shows=2, episodes_per_show=2, seed=31)
    with home_emulator(monkeypatch, config, retry_after_s=None) as e:
        yield e


def test_copy_gives_b_the_ratings_of_a_and_undo_takes_them_back(emu: Emulator) -> None:
    before = everybody(emu)
    kid, teen = before["Kid"], before["Teen"]
    kid_rated = {k: r for k, (r, _) in kid.items() if r is not None}
    assert kid_rated and any(teen[k][0] is not None and k not in kid_rated for k in teen)  # Teen has their own
    code, _, stderr = invoke("copy", "--from-user", "Kid", "--to-user", "Teen", "--all-libraries", "--yes")
    assert code == 3 and "protected by a PIN" in stderr  # no PIN: stopped before anything was read or written
    assert everybody(emu) == before
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PIN_ENV, "1234")
        code, preview, stderr = invoke("copy", "--from-user", "Kid", "--to-user", "Teen", "--all-libraries",
                                       "--dry-run")
        assert code == 0 and preview["dry_run"] and everybody(emu) == before, stderr
        code, payload, stderr = invoke("copy", "--from-user", "Kid", "--to-user", "Teen", "--all-libraries", "--yes")
        assert code == 0, stderr
        after = everybody(emu)
        assert all(after["Teen"][k][0] == r for k, r in kid_rated.items())
        assert all(after["Teen"][k] == teen[k] for k in teen if k not in kid_rated)  # Teen's others stay
        assert {n: s for n, s in after.items() if n != "Teen"} == {n: s for n, s in before.items() if n != "Teen"}
        code, _, stderr = invoke("undo", str(payload["run_id"]), "--user", "Teen", "--yes")
        assert code == 0, stderr
    assert everybody(emu) == before


def test_copy_to_the_same_user_is_refused(emu: Emulator) -> None:
    code, _, stderr = invoke("copy", "--from-user", "Kid", "--to-user", "kid", "--all-libraries")
    assert code == 2 and "same user" in stderr
