"""The Docker image's steps, without Docker (no daemon or registry here): build the wheel, install it into a fresh
venv, start `ratings-to-plex web --host 0.0.0.0` with the folders and settings the Dockerfile sets, as a non-root
user when we are root and that user can run this Python, and ask /healthz — as the image's HEALTHCHECK does.

Offline on purpose: the wheel is built without build isolation (hatchling from this environment) and the fresh venv
takes the dependencies from this environment through a path file, so the package itself comes only from the wheel.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ratings_to_plex.plex.plextv import PLEXTV_ENV
from tests.web_support import LONG_TOKEN, no_real_plextv  # noqa: F401 - autouse fixture

REPO = Path(__file__).resolve().parent.parent
NOBODY = 65534
IMAGE_ENV = {  # as the Dockerfile's ENV sets them, under a stand-in for the /config volume
    "RATINGS_TO_PLEX_CONFIG_DIR": "config",
    "RATINGS_TO_PLEX_DATA_DIR": "data",
    "RATINGS_TO_PLEX_REPORT_DIR": "reports",
}


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder another user can enter (pytest's own tmp folders are private to us)."""
    folder = Path(tempfile.mkdtemp(prefix="r2p-image-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _run(*args: str | Path, timeout: float = 300) -> None:
    subprocess.run([str(a) for a in args], check=True, timeout=timeout, capture_output=True)


def _build_venv(root: Path) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (the build backend)")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", root / "dist", REPO)
    wheels = list((root / "dist").glob("ratings_to_plex-*.whl"))
    assert len(wheels) == 1
    _run(sys.executable, "-m", "venv", "--without-pip", root / "venv")
    venv_python = root / "venv" / "bin" / "python"
    purelib = subprocess.run([venv_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # The dependencies from this environment (a plain path: its .pth files, e.g. our editable install, stay off).
    Path(purelib, "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", venv_python, "install", "--no-deps", "--no-index", "-q",
         wheels[0])
    return venv_python


def _clean_env() -> dict[str, str]:
    """Our environment without PYTHONPATH & co.: the image has none, and they would hide the wheel's copy."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}


def _as_nobody(python: Path) -> int | None:
    """`nobody`'s uid when we are root and nobody can run this Python (else None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        probe = subprocess.run([python, "-c", "import ratings_to_plex"], user=NOBODY, capture_output=True,
                               timeout=60, env=_clean_env())
    except (OSError, subprocess.SubprocessError):
        return None
    return NOBODY if probe.returncode == 0 else None


def test_the_wheel_in_a_fresh_venv_serves_healthz_like_the_image(scratch: Path) -> None:
    python = _build_venv(scratch)
    where = subprocess.run([python, "-c", "import ratings_to_plex; print(ratings_to_plex.__file__)"],
                           check=True, capture_output=True, text=True, env=_clean_env()).stdout
    assert where.startswith(str(scratch / "venv")), f"not the wheel's copy: {where}"
    volume = scratch / "config-volume"
    volume.mkdir()
    user = _as_nobody(python)
    if user is not None:
        os.chown(volume, user, -1)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(volume),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "RATINGS_TO_PLEX_WEB_TOKEN": LONG_TOKEN,
           PLEXTV_ENV: os.environ[PLEXTV_ENV],  # the page asks plex.tv for a PIN: a closed local port here
           **{k: str(volume / v) for k, v in IMAGE_ENV.items()}}
    command = [str(scratch / "venv" / "bin" / "ratings-to-plex"), "web", "--host", "0.0.0.0", "--port", "0"]
    process = subprocess.Popen(command, env=env, user=user, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        port = re.fullmatch(r"URL: http://0\.0\.0\.0:(\d+)/", line)
        assert port, (line, process.stderr.read() if process.poll() is not None else "")
        url = f"http://127.0.0.1:{port.group(1)}/"
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "healthz", timeout=5).text == "ok":
                    break
            assert time.monotonic() < deadline and process.poll() is None, "web never answered /healthz"
            time.sleep(0.2)
        page = httpx.get(url, headers={"Authorization": f"Bearer {LONG_TOKEN}", "Accept": "text/html"})
        assert page.status_code == 200 and 'data-testid="file"' in page.text  # templates and static files shipped
        assert httpx.get(url + "static/app.js").status_code == 200
        assert (volume / "data").is_dir() and (volume / "reports").is_dir()  # the volume holds what the tool keeps
        if user is not None:
            assert (volume / "data").stat().st_uid == user
    finally:
        process.terminate()
        process.wait(30)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
