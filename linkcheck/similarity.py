"""Text similarity and soft-404 heuristics: pure functions over strings, no I/O.

Pairing asks two questions of a legacy page: "is it the same article as the upgraded page?"
(L203) and "is it a not-found page served with 200?" (L202). Both must work for any language
and script, so text is reduced to *terms*: Unicode word runs, NFKC-normalised, case-folded,
with accents removed (so "Άρθρα", "άρθρα" and "αρθρα" are one term, and final sigma equals
sigma). Scripts written without spaces (Chinese, Japanese, Thai...) become character bigrams,
so they still yield comparable terms.

The measure is a weighted Dice coefficient over the term *sets* of the title and of the text:
sets make it insensitive to word order, repetition and length of boilerplate, and it runs in
linear time, which matters when a site has tens of thousands of pairs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "NOT_FOUND_PHRASES",
    "TextDigest",
    "dice",
    "fold",
    "not_found_phrase",
    "page_similarity",
    "terms",
]

_WORD = re.compile(r"\w+")
# Scripts usually written without spaces between words.
_UNSPACED = re.compile(
    r"[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # kana, CJK ideographs
)
TITLE_WEIGHT = 0.4
"""Share of the score that comes from the titles (when both pages have one)."""


# Combining marks: Latin, Greek and Cyrillic accents, Hebrew points, Arabic harakat.
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u064b-\u065f\u0670"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


def fold(text: str) -> str:
    """`text` NFKC-normalised, case-folded and without combining accents."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFKC", _COMBINING.sub("", decomposed))


def terms(text: str) -> frozenset[str]:
    """The set of comparable terms of `text` (words; bigrams for unspaced scripts)."""
    words = _WORD.findall(fold(text))
    if not _UNSPACED.search(text):
        return frozenset(w for w in words if len(w) > 1 or not w.isascii())
    out: set[str] = set()
    for word in words:
        if _UNSPACED.search(word):
            if len(word) == 1:
                out.add(word)
            out.update(word[i : i + 2] for i in range(len(word) - 1))
        elif len(word) > 1 or not word.isascii():
            out.add(word)
    return frozenset(out)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Sørensen-Dice coefficient of two term sets: 1.0 identical, 0.0 nothing shared.

    Two empty sets are identical (1.0); one empty set shares nothing (0.0).
    """
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True, slots=True)
class TextDigest:
    """What the comparison needs of a page: its title and main text."""

    title: str
    text: str

    @property
    def title_terms(self) -> frozenset[str]:
        return terms(self.title)

    @property
    def text_terms(self) -> frozenset[str]:
        return terms(self.text)


def page_similarity(a: TextDigest, b: TextDigest) -> float:
    """How alike two pages are, 0.0 to 1.0, from their titles and texts.

    The title counts for `TITLE_WEIGHT` when both pages have one; otherwise the texts decide
    alone. A page with no text at all is compared on its title only.
    """
    ta, tb = a.title_terms, b.title_terms
    xa, xb = a.text_terms | ta, b.text_terms | tb
    text_score = dice(xa, xb)
    if not ta or not tb:
        return round(text_score, 3)
    title_score = dice(ta, tb)
    return round(TITLE_WEIGHT * title_score + (1 - TITLE_WEIGHT) * text_score, 3)


# Phrases that mark a "not found" page, per language (written naturally; compared folded).
NOT_FOUND_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "page not found",
        "not found",
        "could not be found",
        "cannot be found",
        "can't be found",
        "does not exist",
        "no longer exists",
        "no longer available",
        "error 404",
    ),
    "fr": (
        "page introuvable",
        "introuvable",
        "page non trouvée",
        "n'existe pas",
        "n'existe plus",
        "erreur 404",
    ),
    "el": (
        "δεν βρέθηκε",
        "η σελίδα δεν υπάρχει",
        "δεν υπάρχει πλέον",
        "σφάλμα 404",
    ),
    "de": (
        "seite nicht gefunden",
        "nicht gefunden",
        "existiert nicht",
        "nicht mehr verfügbar",
        "fehler 404",
    ),
    "es": (
        "página no encontrada",
        "no encontrada",
        "no encontrado",
        "no existe",
        "error 404",
    ),
    "ru": (
        "страница не найдена",
        "не найдена",
        "не найдено",
        "не существует",
        "ошибка 404",
    ),
    "it": ("pagina non trovata", "non trovata", "non esiste"),
    "pt": ("página não encontrada", "não encontrada", "não existe"),
    "nl": ("pagina niet gevonden", "niet gevonden", "bestaat niet"),
    "pl": ("nie znaleziono", "strona nie istnieje"),
    "tr": ("sayfa bulunamadı", "bulunamadı"),
    "zh": ("找不到", "页面不存在", "頁面不存在"),
    "ja": ("見つかりません", "ページが存在しません"),
    "ar": ("الصفحة غير موجودة", "غير موجودة"),
}
_NUMBER_404 = re.compile(r"(?<!\d)404(?!\d)")


@lru_cache(maxsize=64)
def _phrases(langs: tuple[str, ...]) -> tuple[str, ...]:
    chosen = [NOT_FOUND_PHRASES[lang] for lang in langs if lang in NOT_FOUND_PHRASES]
    if not chosen:
        chosen = list(NOT_FOUND_PHRASES.values())
    return tuple(fold(p) for group in chosen for p in group)


def _primary(lang: str) -> str:
    return lang.strip().lower().replace("_", "-").split("-", 1)[0]


def not_found_phrase(text: str, langs: Iterable[str] = ()) -> str | None:
    """The not-found phrase `text` contains, if any.

    The phrases of the given languages are tried, with English always added (many sites
    answer in English whatever the page's language); with no known language, all of them.
    A bare "404" counts too.
    """
    wanted = tuple(dict.fromkeys(_primary(lang) for lang in langs if lang.strip()))
    if wanted:
        wanted = (*wanted, "en") if "en" not in wanted else wanted
    folded = fold(text)
    for phrase in _phrases(wanted):
        if phrase in folded:
            return phrase
    if _NUMBER_404.search(folded):
        return "404"
    return None
