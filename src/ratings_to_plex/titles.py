"""Title normalisation for title + year matching (Letterboxd rows carry no ids).

Two titles that a person would call "the same film" must normalise to the same key: case, accents, punctuation,
leading articles, `&`/`and` and roman/arabic numerals in sequels are folded; the words themselves are kept.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from anyascii import anyascii

_ARTICLES: Final = ("the ", "a ", "an ", "le ", "la ", "les ", "l ", "el ", "los ", "las ", "der ", "die ", "das ",
                    "il ", "lo ", "gli ", "i ", "un ", "une ", "o ", "os ", "as ")
_ROMAN: Final = {"ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10",
                 "xi": "11", "xii": "12", "xiii": "13"}
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=200_000)
def normalise_title(title: str) -> str:
    """Fold a title to its matching key: `"Amélie"` → `amelie`, `"The Lord of the Rings: Part II"` →
    `lord of the rings part 2`. Non-Latin scripts are transliterated (anyascii) the same way on both sides."""
    text = unicodedata.normalize("NFKC", title).casefold().replace("&", " and ")
    text = text.replace("'", "").replace("’", "")
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    folded = anyascii(folded).lower() or folded
    words = _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()
    for article in _ARTICLES:
        if words.startswith(article) and len(words) > len(article):
            words = words[len(article):]
            break
    return " ".join(_ROMAN.get(w, w) for w in words.split(" "))
