"""IMDb's many spellings of a title type, folded onto the `--types` vocabulary (model.TITLE_TYPES).

IMDb wrote `Feature Film` before 2017, camelCase ids (`tvMiniSeries`) until 2024, display names (`TV Mini Series`)
since, and since 2025 the display name in the account's language (`Mini serie TV`). Words are compared casefolded,
with accents, hyphens and extra spaces folded away, so `Mini-Series`, `mini series` and `Mini Séries` are one key.
A word we do not know is kept as `other` (and reported by the reader), never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_SEPARATORS: Final = re.compile(r"[\s\-‐‑–—_/.]+")

# type → spellings, per language IMDb's site offers (en, it, de, fr, es, pt, hi, ja).
_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "movie": (
        "movie", "feature film", "feature", "film", "documentary",                    # en (pre-2017, camelCase, 2024)
        "lungometraggio", "documentario",                                              # it
        "spielfilm", "kinofilm", "dokumentarfilm", "dokumentation",                    # de
        "long metrage", "documentaire",                                                # fr
        "pelicula", "largometraje", "documental",                                      # es
        "filme", "longa metragem",                                                     # pt
        "फ़िल्म", "मूवी", "वृत्तचित्र",                                                # hi
        "映画", "長編映画", "ドキュメンタリー",                                          # ja
    ),
    "short": (
        "short", "short film", "tvShort", "tv short",
        "cortometraggio", "corto", "cortometraggio tv",
        "kurzfilm", "fernsehkurzfilm", "tv kurzfilm",
        "court metrage", "court metrage tv", "court", "court metrage televise",
        "cortometraje", "cortometraje de tv", "cortometraje para television",
        "curta metragem", "curta", "curta metragem de tv", "curta para tv",
        "लघु फ़िल्म", "शॉर्ट", "शॉर्ट फ़िल्म", "टीवी शॉर्ट",
        "短編", "短編映画", "テレビ短編", "ショート",
    ),
    "video": (
        "video", "video movie", "direct to video",
        "vidéo", "वीडियो", "ビデオ", "ビデオ映画",
    ),
    "tv_movie": (
        "tvMovie", "tv movie", "made for tv movie", "tv film",
        "film tv", "film per la tv", "film per la televisione",
        "fernsehfilm",
        "telefilm", "film televise",
        "pelicula para television", "pelicula de tv", "pelicula para tv", "telefilme",
        "filme para tv", "filme de tv", "filme para televisao",
        "टीवी मूवी", "टीवी फ़िल्म", "テレビ映画", "テレビムービー",
    ),
    "tv_special": (
        "tvSpecial", "tv special", "special",
        "speciale tv", "speciale televisivo",
        "fernsehspecial", "tv special", "fernsehsondersendung",
        "special tv", "emission speciale", "programme special",
        "especial de tv", "especial de television", "especial",
        "especial de tv", "especial para tv",
        "टीवी स्पेशल", "テレビスペシャル", "スペシャル",
    ),
    "tv_series": (
        "tvSeries", "tv series", "series", "tv show",
        "serie tv", "serie televisiva",
        "fernsehserie", "tv serie", "serie",
        "serie televisee", "serie tv",
        "serie de tv", "serie de television",
        "serie de tv", "seriado",
        "टीवी सीरीज़", "टीवी श्रृंखला", "テレビシリーズ", "シリーズ",
    ),
    "tv_mini_series": (
        "tvMiniSeries", "tv mini series", "mini series", "miniseries", "tv miniseries", "limited series",
        "mini serie tv", "miniserie tv", "miniserie",
        "mini fernsehserie", "miniserie", "mini serie", "tv miniserie",
        "mini serie tv", "mini serie",
        "miniserie de tv", "miniserie de television",
        "minisserie", "minisserie de tv", "mini serie de tv",
        "टीवी मिनी सीरीज़", "मिनी सीरीज़", "テレビミニシリーズ", "ミニシリーズ",
    ),
    "tv_episode": (
        "tvEpisode", "tv episode", "episode",
        "episodio tv", "episodio",
        "folge", "episode", "fernsehepisode", "tv episode", "tv folge",
        "episode tv", "episode de serie",
        "episodio de tv", "episodio de television",
        "episodio de tv", "episodio de serie",
        "टीवी एपिसोड", "एपिसोड", "テレビエピソード", "エピソード",
    ),
    "other": (
        "videoGame", "video game", "podcastSeries", "podcast series", "podcastEpisode", "podcast episode",
        "musicVideo", "music video",
        "videogioco", "serie podcast", "episodio podcast", "video musicale",
        "videospiel", "podcast serie", "podcast folge", "musikvideo",
        "jeu video", "serie de podcasts", "serie podcast", "episode de podcast", "clip video", "clip musical",
        "videojuego", "serie de podcast", "episodio de podcast", "video musical",
        "jogo eletronico", "videogame", "videoclipe",
        "वीडियो गेम", "पॉडकास्ट सीरीज़", "पॉडकास्ट एपिसोड", "म्यूज़िक वीडियो",
        "ビデオゲーム", "ポッドキャストシリーズ", "ポッドキャストエピソード", "ミュージックビデオ",
    ),
}


def fold(text: str) -> str:
    """The comparison key: casefolded, accents (and Devanagari nukta, kana voicing marks) dropped, separators as one
    space. `Mini-Séries` → `mini series`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", stripped).strip()


_BY_KEY: Final[dict[str, str]] = {fold(word): kind for kind, words in _SPELLINGS.items() for word in words}


def classify(text: str) -> tuple[str, bool]:
    """`(title_type, known)`: the vocabulary word for an export's title type, and whether we recognised it (an
    unknown one is `("other", False)` so the reader can report it)."""
    kind = _BY_KEY.get(fold(text))
    return (kind, True) if kind is not None else ("other", False)


def normalise_title_type(text: str) -> str:
    """The vocabulary word for an export's title type; unknown words are `other`."""
    return classify(text)[0]
