"""The unmatched CSV of a resumed run: the interrupted run's rows minus those the journal now shows written.

A resume does not re-read the export (the file may have moved), so it cannot re-match rows; but the interrupted
run's CSV names, for every row about an item, the item's rating key. Dropping the rows whose item is now written
leaves exactly what is still unmatched, in a CSV of the resume's own (the interrupted run's CSV stays as it was:
it is that run's record).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection
from pathlib import Path
from typing import Final

from .security import private_file

_KEY: Final = re.compile(r"\[ratingKey (\d+)\]")


def interrupted_csv(report_dir: Path, stamp: str | None) -> Path | None:
    """The interrupted run's unmatched CSV (named with the stamp its run journaled), if it is still there."""
    if not stamp:
        return None
    found = sorted(report_dir.glob(f"Unmatched_*_{stamp}.csv"))
    return found[0] if found else None


def resumed_csv(previous: Path, stamp: str, when: str, written: Collection[int]) -> Path | None:
    """Write `previous` without the rows about items in `written`, under this run's stamp `when`; None when no
    row is left (nothing is still unmatched) or the old CSV cannot be read."""
    try:
        with previous.open(encoding="utf-8-sig", newline="", errors="replace") as fh:
            rows = list(csv.reader(fh))
    except OSError:
        return None
    if not rows:
        return None
    header, body = rows[0], rows[1:]
    column = len(header) - 1  # "Best candidate": "<title> [ratingKey N]…" for a row about an item

    def still_unmatched(row: list[str]) -> bool:
        found = _KEY.search(row[column]) if len(row) > column else None
        return found is None or int(found.group(1)) not in written

    kept = [row for row in body if still_unmatched(row)]
    if not kept:
        return None
    path = previous.with_name(previous.name[: -len(f"{stamp}.csv")] + f"{when}.csv")
    with private_file(path).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(kept)  # cells already made safe when the interrupted run wrote them
    return path
