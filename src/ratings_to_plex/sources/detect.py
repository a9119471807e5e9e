"""What a file is, before any row is read: its text encoding (from a sample) and its kind (from its header).

Encodings are decided on the first 64 KB only, so a 100 MB export is never decoded twice or held in memory; kinds are
decided by column names (case and spacing ignored), never by position or file name — except where Letterboxd gave two
files the same header (watched.csv and watchlist.csv), where the name is all there is.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Final

from charset_normalizer import from_bytes

from ..errors import SourceError

SAMPLE_SIZE: Final = 64 * 1024
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_WESTERN: Final = ("cp1252", "latin_1", "iso8859_15", "ascii")
_ASCII_PROBE: Final = b"Const,Your Rating;Date\tName Year Letterboxd URI 0123456789-/:.\"\r\n"
_UTF8_SEQUENCE: Final = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_EXPECTED: Final = "expected a ratings export"


@dataclass(frozen=True)
class Encoding:
    """How to decode the whole file. `fallback` is used if `codec` (strict) fails after the sample: a file that is
    plain ASCII for 64 KB may still turn out to be Windows-1252 further down."""

    codec: str
    errors: str
    label: str
    fallback: Encoding | None = None


CP1252: Final = Encoding("cp1252", "replace", "Windows-1252")


def choose_encoding(sample: bytes, name: str) -> Encoding:
    """Pick the encoding from a sample: BOM, else UTF-8 if it decodes, else charset-normalizer, else Windows-1252.

    Raises SourceError for a sample that is not text at all (NUL bytes without a UTF-16 BOM, or control characters)."""
    for bom, codec, label in _BOMS:
        if sample.startswith(bom):
            return Encoding(codec, "replace", label)
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16 is None:
            raise SourceError(f"{name}: contains NUL bytes; this does not look like a text CSV ({_EXPECTED})",
                              reason="not_text", file=str(name))
        return Encoding(utf16, "replace", "UTF-16")
    cut = sample if len(sample) < SAMPLE_SIZE else sample[: sample.rfind(b"\n") + 1] or sample
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(cut, final=len(sample) < SAMPLE_SIZE)
    except UnicodeDecodeError:
        encoding = Encoding("utf-8", "replace", "UTF-8") if _mostly_utf8(cut) else _legacy_encoding(cut)
        text = cut.decode(encoding.codec, "replace")
    else:
        # A UTF-8 sample with accents is UTF-8 (later bad bytes are damage, replaced); a pure ASCII one may still be
        # Windows-1252 further down, so it decodes strictly and falls back.
        encoding = (Encoding("utf-8", "replace", "UTF-8") if not text.isascii()
                    else Encoding("utf-8", "strict", "UTF-8", CP1252))
    if len(_CONTROL.findall(text[:4096])) > 4:
        raise SourceError(f"{name}: contains control characters; this does not look like a text CSV ({_EXPECTED})")
    return encoding


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 with a few damaged bytes: legacy code pages almost never form valid multi-byte UTF-8 sequences, so a
    sample with at least as many valid sequences as invalid bytes is UTF-8 (the bad bytes become U+FFFD)."""
    valid = len(_UTF8_SEQUENCE.findall(sample))
    invalid = sample.decode("utf-8", "replace").count("\ufffd") - sample.count("\ufffd".encode())
    return valid >= invalid > 0


def _legacy_encoding(sample: bytes) -> Encoding:
    """A spreadsheet's code page. charset-normalizer ranks code pages that decode a short sample equally well in no
    useful order (cp775 before cp1252 for French titles), so Windows-1252 — what Western Windows spreadsheets write —
    wins whenever it is about as plausible as the best guess; encodings that would garble the ASCII header never do."""
    matches = [m for m in from_bytes(sample) if _keeps_ascii(m.encoding)]
    if not matches:
        return CP1252
    best = matches[0]
    if any(m.encoding in _WESTERN and m.chaos <= best.chaos + 0.01 for m in matches):
        return CP1252
    label = f"Windows-{best.encoding[2:]}" if re.fullmatch(r"cp125\d", best.encoding) else best.encoding
    return Encoding(best.encoding, "replace", label)


def _keeps_ascii(codec: str) -> bool:
    try:
        return _ASCII_PROBE.decode(codec) == _ASCII_PROBE.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        return False


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 saved without a BOM shows as a NUL in every other byte of ASCII text."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2 or 1
    if odd > half * 0.4 and even < odd / 10:
        return "utf-16-le"
    if even > half * 0.4 and odd < even / 10:
        return "utf-16-be"
    return None


def fold_header(name: str) -> str:
    """A column name as compared: `" Your  Rating "` → `your rating` (a stray BOM or quote is dropped too)."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').split()).casefold()


def explain(columns: list[str], first_line: str, file_name: str, line: int) -> str:
    """One sentence saying what the file looks like instead, for a header no reader accepts."""
    from .registry import EXPECTED, explain_csv  # the registry imports the readers, which import this module

    keys = frozenset(fold_header(c) for c in columns)
    where = f"{file_name}, line {line}: "
    guess = explain_csv(keys)
    if guess is not None:  # a guess may say itself what was expected instead
        return f"{where}this looks like {guess}" + ("" if "; expected" in guess else f"; {EXPECTED}")
    stripped = first_line.lstrip("\ufeff \t")
    guesses = (
        ("tconst" in keys, "an IMDb dataset file (title.basics.tsv or similar), not your ratings"),
        ("username" in keys and "date joined" in keys, "a Letterboxd profile.csv, which holds no ratings"),
        (stripped.startswith(("{", "[")), "a JSON file that is no ratings export this version knows"),
        (stripped.startswith("<"), "a web page (HTML) or XML that is no ratings export this version knows"),
    )
    for matched, what in guesses:
        if matched:
            return f"{where}this looks like {what}; {EXPECTED}"
    shown = first_line.strip()
    shown = shown[:60] + "…" if len(shown) > 60 else shown
    return f"{where}this does not look like a ratings export (it starts {shown!r}); {EXPECTED}"


def list_export_error(file_name: str) -> SourceError:
    """Letterboxd list exports start with a `Letterboxd list export vN` preamble instead of a header."""
    return SourceError(f"{file_name}, line 1: this looks like a Letterboxd list export (a list of films, not your "
                       "ratings); expected ratings.csv or diary.csv from Settings → Data → Export")
