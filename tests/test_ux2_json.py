"""Issue 13: with `--json`, click's own usage errors (an unknown option, a missing argument) still print exactly one
JSON object on stdout (`error`, `exit_code: 2`), with click's usage text on stderr — through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from ratings_to_plex.emulator import Emulator

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ratings_to_plex", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def one_object(stdout: str) -> dict[str, object]:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    value = json.loads(lines[0])
    assert isinstance(value, dict)
    return value


def test_unknown_option_with_json_prints_one_json_error() -> None:
    result = run("sync", str(IMDB), "--json", "--bogus")
    assert result.returncode == 2
    body = one_object(result.stdout)
    assert body["exit_code"] == 2 and "No such option: --bogus" in str(body["error"]) and body["run_ids"] == []
    assert "Usage:" in result.stderr and "--bogus" in result.stderr


def test_missing_argument_with_json_prints_one_json_error() -> None:
    result = run("sync", "--json")
    assert result.returncode == 2
    body = one_object(result.stdout)
    assert body["exit_code"] == 2 and "Missing argument" in str(body["error"])
    assert "Usage:" in result.stderr


def test_without_json_usage_errors_stay_click_text_only() -> None:
    result = run("sync", "--bogus", str(IMDB))
    assert result.returncode == 2 and result.stdout == ""
    assert "No such option: --bogus" in result.stderr


def test_json_still_reports_our_own_errors_and_successes(emulator: Callable[..., Emulator]) -> None:
    refused = run("sync", str(IMDB), "--json", "--url", "http://127.0.0.1:9", "--token", "t")
    assert refused.returncode == 3
    assert one_object(refused.stdout)["exit_code"] == 3
    emu = emulator(demo=True)
    done = run("sync", str(IMDB), "--json", "--url", emu.url, "--token", emu.token, "--library", "Movies",
               "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "error" not in one_object(done.stdout)
