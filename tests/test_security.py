"""Security: the token appears in nothing a run leaves behind, spreadsheet formulas in an export are neutralised in
the unmatched CSV, TLS is verified unless the user opts out, and files holding anything sensitive are 0600."""

from __future__ import annotations

import csv
import datetime as dt
import ssl
import stat
import threading
from collections.abc import Iterator
from http.server import HTTPServer
from importlib.resources import files
from pathlib import Path

import pytest

from ratings_to_plex.emulator import Emulator, EmulatorConfig
from ratings_to_plex.errors import PlexConnectionError
from ratings_to_plex.journal import JournalDB
from ratings_to_plex.paths import data_dir
from ratings_to_plex.plex.client import PlexClient, RetryPolicy, make_session
from ratings_to_plex.plex.credentials import save_token, token_path

from .net_support import fixed_reply
from .test_journal_helpers import FAKE_TOKEN, cli, cli_env, imdb_row, write_imdb_csv

IMDB = Path(str(files("ratings_to_plex.data"))) / "sample_imdb_ratings.csv"
WRONG_TOKEN = "WRONG-token-for-tests-0987654321"
NO_RETRY = RetryPolicy(attempts=0, timeout_s=5)
CA_BUNDLE_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(demo=True, token=FAKE_TOKEN)) as e:
        yield e


def test_token_in_no_stream_or_file_of_sync_undo_resume_history(emu: Emulator, tmp_path: Path) -> None:
    reports = str(tmp_path / "reports")
    base = ["--verbose", "sync", str(IMDB), "--all-libraries", "--yes", "--report-dir", reports]
    results = [cli([*base, "--url", emu.url, "--token", FAKE_TOKEN, "--mark-watched"])]
    journal = JournalDB()
    run_id = journal.runs()[0].id
    # Make the run look interrupted so that --resume has work to re-check.
    journal.execute("UPDATE runs SET status='running' WHERE id=?", (run_id,))
    journal.execute("UPDATE changes SET state='writing' WHERE run_id=?", (run_id,))
    results += [
        cli([*base, "--resume", "--json"], env=cli_env(PLEX_TOKEN=FAKE_TOKEN)),
        cli(["--verbose", "history"]),
        cli(["--verbose", "history", "--json"]),
        cli(["--verbose", "undo", "--last", "--token", FAKE_TOKEN, "--yes", "--json", "--report-dir", reports]),
        cli(["--verbose", "undo", "--last", "--token", WRONG_TOKEN, "--yes", "--report-dir", reports]),
        cli([*base, "--url", emu.url, "--token", WRONG_TOKEN]),
        cli([*base, "--url", emu.url, "--dry-run", "--json"], env=cli_env(PLEX_TOKEN=FAKE_TOKEN)),
    ]
    assert [r.returncode for r in results] == [0, 0, 0, 0, 0, 3, 3, 0], [r.stderr[-1500:] for r in results]
    for result in results:
        for stream in (result.stdout, result.stderr):
            assert FAKE_TOKEN not in stream and WRONG_TOKEN not in stream, stream[-1500:]
    names = []
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert FAKE_TOKEN.encode() not in data and WRONG_TOKEN.encode() not in data, path
            names.append(path.name)
    for expected in ("RatingsToPlex.log", "journal.sqlite3"):
        assert expected in names, names
    assert any(n.startswith("RatingsUpdateLog_") for n in names)
    assert any(n.startswith("Unmatched_imdb_") for n in names)


FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTabbed",
            "\rReturned"]


def test_formula_cells_in_the_unmatched_csv_are_neutralised(emu: Emulator, tmp_path: Path) -> None:
    rows = [imdb_row(f"tt99999{n:02d}", 7, title, 2001) for n, title in enumerate(FORMULAS)]
    rows.append(imdb_row("=cmd|' /C calc'!A0", 7, "Bad id", 2001))  # Missing IMDb ID: exported as it was
    rows.append(imdb_row("tt9999990", "-1", "@Negative", 2001))  # Invalid rating value
    export = write_imdb_csv(tmp_path / "crafted.csv", rows)
    result = cli(["sync", str(export), "--url", emu.url, "--token", FAKE_TOKEN, "--all-libraries", "--yes",
                  "--report-dir", str(tmp_path / "reports")])
    assert result.returncode == 0, result.stderr
    [unmatched] = (tmp_path / "reports").glob("Unmatched_imdb_*.csv")
    with unmatched.open(encoding="utf-8-sig", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    quoted = {c for c in cells if c.startswith("'")}
    assert {"'=HYPERLINK(\"http://evil\",\"x\")", "'+1+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1:A2)"} <= quoted
    assert "'=cmd|' /C calc'!A0" in quoted and "'@Negative" in quoted


def test_tls_is_verified_by_default(tmp_path: Path) -> None:
    assert make_session().verify is True
    assert make_session(verify=False).verify is False
    with Emulator(EmulatorConfig(movies=1, shows=0)) as e:
        assert PlexClient.connect(e.url, e.token).server._session.verify is True


_Root = fixed_reply(200, "text/xml",
                    b'<MediaContainer friendlyName="TLS box" machineIdentifier="tls" version="1.40.0.0"/>')


def _self_signed(folder: Path) -> tuple[Path, Path]:
    crypto = pytest.importorskip("cryptography")  # installed with keyring (SecretStorage) on Linux
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def https_url(tmp_path: Path) -> Iterator[str]:
    """A server with a self-signed certificate that answers like a Plex root."""
    cert_file, key_file = _self_signed(tmp_path)
    server = HTTPServer(("127.0.0.1", 0), _Root)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_self_signed_https_is_refused_unless_skipped(https_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PlexConnectionError, match=r"TLS certificate check failed.*--insecure-skip-tls-verify"):
        PlexClient.connect(https_url, FAKE_TOKEN, retry=NO_RETRY)
    result = cli(["sync", str(IMDB), "--url", https_url, "--token", FAKE_TOKEN, "--all-libraries", "--yes"])
    assert result.returncode == 3 and "TLS certificate check failed" in result.stderr, result.stderr
    for name in CA_BUNDLE_ENV:  # see the next test
        monkeypatch.delenv(name, raising=False)
    assert PlexClient.connect(https_url, FAKE_TOKEN, verify=False, retry=NO_RETRY).name == "TLS box"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_insecure_skip_survives_a_ca_bundle_in_the_environment(https_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi_bundle())
    assert PlexClient.connect(https_url, FAKE_TOKEN, verify=False, retry=NO_RETRY).name == "TLS box"


def certifi_bundle() -> str:
    import certifi

    return str(certifi.where())


def test_sensitive_files_are_0600(emu: Emulator, tmp_path: Path) -> None:
    save_token(FAKE_TOKEN)  # the tests' keyring is the fail backend: the token goes to the file
    assert stat.S_IMODE(token_path().stat().st_mode) == 0o600
    result = cli(["sync", str(IMDB), "--url", emu.url, "--all-libraries", "--yes", "--report-dir",
                  str(tmp_path / "reports")])
    assert result.returncode == 0, result.stderr  # the stored token was used
    files = sorted(data_dir().glob("journal.sqlite3*"))
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), files
