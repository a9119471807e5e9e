"""The run log written straight to its two files: the `logging` line format, tokens redacted, rolled by size, and a
file that cannot be written is warned about once and never stops the run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ratings_to_plex import runlog
from ratings_to_plex.runlog import RunLog
from ratings_to_plex.security import register_secret

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) .*$")


def test_lines_reach_both_files_redacted_and_formatted(tmp_path: Path) -> None:
    token = "FAKE-TOKEN-runlog-0123456789"
    register_secret(token)
    shown: list[str] = []
    log = RunLog(tmp_path, "20260101_000000", echo=shown.append)
    log.line(f"connected with {token}")
    log.warning("Rate failed for \"Déjà vu\": \x1b[31mred\nINFO forged")
    log.record("only in the files")
    log.close()
    for path in (tmp_path / "RatingsToPlex.log", tmp_path / "RatingsUpdateLog_20260101_000000.log"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3 and all(LINE.match(line) for line in lines), lines
        assert token not in path.read_text(encoding="utf-8") and "[REDACTED]" in lines[0]
        assert lines[1].split(" ", 3)[2] == "WARNING" and "Déjà vu" in lines[1] and "\x1b" not in lines[1]
    assert len(shown) == 2 and "only in the files" not in shown


def test_the_rolling_file_rolls_over_by_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runlog, "_ROLL_CHECK_S", 0.0)
    log = RunLog(tmp_path, "20260101_000000")
    log._files[0].max_bytes = 200  # the rolling file
    for n in range(40):
        log.line(f"line {n} " + "x" * 40)
    log.close()
    rolled = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("RatingsToPlex.log"))
    assert rolled == ["RatingsToPlex.log", "RatingsToPlex.log.1", "RatingsToPlex.log.2", "RatingsToPlex.log.3"]
    assert all(os.stat(tmp_path / name).st_mode & 0o777 == 0o600 for name in rolled)
    run_file = (tmp_path / "RatingsUpdateLog_20260101_000000.log").read_text(encoding="utf-8")
    assert run_file.count("\n") == 40  # the per-run file keeps every line


def test_a_full_disk_is_warned_once_and_never_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux)")
    monkeypatch.setattr(runlog, "_FLUSH_S", 0.0)
    (tmp_path / "RatingsToPlex.log").symlink_to("/dev/full")
    log = RunLog(tmp_path, "20260101_000000")
    for n in range(5):
        log.line(f"line {n}")
    log.close()
    assert capsys.readouterr().err.count("could not write to the log file") == 1
    assert (tmp_path / "RatingsUpdateLog_20260101_000000.log").read_text(encoding="utf-8").count("\n") == 5
