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
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "NOT_FOUND_PHRASES",
    "TextDigest",
    "dice",
    "fold",
    "not_found_phrase",
    "overlap",
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
OVERLAP_FLOOR = 20
"""Smallest denominator of the overlap coefficient, in terms."""


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


def overlap(a: frozenset[str], b: frozenset[str], floor: int = OVERLAP_FLOOR) -> float:
    """How much of the smaller set the larger one contains (overlap coefficient).

    Unlike Dice it does not fall when one page carries extra text (an old layout's menus, a
    section added in the upgrade). The denominator is at least `floor` (or the larger set's
    size, if smaller), so a tiny page does not score high merely by being small.
    """
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    small, large = sorted((len(a), len(b)))
    return len(a & b) / max(small, min(floor, large))


@dataclass(frozen=True, slots=True)
class TextDigest:
    """What the comparison needs of a page: its title and main text (terms computed once)."""

    title: str
    text: str
    title_terms: frozenset[str] = field(init=False, repr=False, compare=False)
    all_terms: frozenset[str] = field(init=False, repr=False, compare=False)
    """Terms of the title and the text together."""

    def __post_init__(self) -> None:
        title_terms = terms(self.title)
        object.__setattr__(self, "title_terms", title_terms)
        object.__setattr__(self, "all_terms", title_terms | terms(self.text))


def page_similarity(a: TextDigest, b: TextDigest) -> float:
    """How alike two pages are, 0.0 to 1.0, from their titles and texts.

    The text score is the mean of Dice and the overlap coefficient of the term sets: Dice
    alone punishes an old page whose text comes with its menus, the overlap alone flatters
    small pages. The title counts for `TITLE_WEIGHT` when both pages have one; otherwise the
    texts decide alone.
    """
    xa, xb = a.all_terms, b.all_terms
    text_score = (dice(xa, xb) + overlap(xa, xb)) / 2
    ta, tb = a.title_terms, b.title_terms
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
