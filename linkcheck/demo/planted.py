"""Every problem planted in the demo sites, in one place.

`linkcheck demo` is also a self-test: it passes only when the check finds exactly these
(code, decoded path) pairs. The path is that of the finding's URL: the link target for C
codes, the upgraded page for L codes. The sites' paths start with their language, so paths
alone tell the servers apart.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EXPECTED", "PLANTED", "Planted"]


@dataclass(frozen=True, slots=True)
class Planted:
    """One deliberate problem: its code, the path its finding carries, and what was done."""

    code: str
    path: str
    what: str


PLANTED: tuple[Planted, ...] = (
    Planted("C100", "/en/articles/missing-page/", "the English home links a page that is 404"),
    Planted(
        "C102",
        "/en/News/2018/meeting.html",
        "the English home links an old URL that the map redirects (301)",
    ),
    Planted(
        "C102",
        "/fr/vieux/velo.html",
        "the French home links an old URL that the map redirects (301)",
    ),
    Planted(
        "C103",
        "/el/άρθρα/θέατρο/",
        "the Greek home links #πρόγραμμα, an id the theatre article does not have",
    ),
    Planted("L200", "/fr/articles/musee/", "the museum article has no old-pages notice"),
    Planted("L201", "/en/articles/harbour/", "the ferry article's old page is 404 in the archive"),
    Planted(
        "L202",
        "/fr/articles/marche/",
        "the market article's old page is lost; the French archive answers 200 "
        '"Page introuvable" (a soft 404)',
    ),
    Planted(
        "L202",
        "/el/άρθρα/λιμάνι/",
        "the harbour article's old page redirects to the Greek archive's home page",
    ),
    Planted(
        "L203",
        "/en/articles/library/",
        "the library article's old URL holds an unrelated article about trams",
    ),
    Planted(
        "L204",
        "/en/articles/budget/",
        "the budget article's old URL redirects back to the upgraded page",
    ),
    Planted(
        "L205",
        "/en/articles/strike/",
        "the strike article's notice links /en/News/2019-strike.html, the pattern gives "
        "/en/News/strike.html",
    ),
)

EXPECTED: frozenset[tuple[str, str]] = frozenset((p.code, p.path) for p in PLANTED)
