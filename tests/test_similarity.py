"""Text similarity and not-found phrases: language-agnostic, Unicode-aware, case-folded."""

from __future__ import annotations

import pytest

from linkcheck.similarity import TextDigest, dice, fold, not_found_phrase, page_similarity, terms

MEETING = TextDigest(
    "Council meeting on the new market square",
    "The city council met on Tuesday evening to discuss the new market square. Residents "
    "asked for more trees, benches and a fountain near the bakery.",
)
MEETING_OLD = TextDigest(
    "Council meeting on the new market square - City news archive",
    "The city council met on Tuesday evening to discuss the new market square. Residents "
    "asked for more trees, benches and a fountain near the bakery. Archived page.",
)
TRAMS = TextDigest(
    "Tram line seven changes route during works",
    "Tram line seven takes a detour through the eastern district while workers replace "
    "rails near the railway station.",
)
GREEK = TextDigest(
    "Το θέατρο της πόλης ανοίγει ξανά",
    "Το δημοτικό θέατρο ανοίγει ξανά μετά από δύο χρόνια εργασιών. Η νέα σκηνή έχει "
    "σύγχρονο φωτισμό και καλύτερη ακουστική.",
)
GREEK_OLD_UPPER = TextDigest(
    "ΤΟ ΘΕΑΤΡΟ ΤΗΣ ΠΟΛΗΣ ΑΝΟΙΓΕΙ ΞΑΝΑ - Αρχείο",
    "Το δημοτικό θέατρο ανοίγει ξανά μετά από δύο χρόνια εργασιών. Η νέα σκηνή έχει "
    "σύγχρονο φωτισμό και καλύτερη ακουστική. Σελίδα από τον παλιό ιστότοπο.",
)
GREEK_OTHER = TextDigest(
    "Νέα δρομολόγια στο λιμάνι",
    "Το λιμάνι αποκτά νέα δρομολόγια προς τα κοντινά νησιά. Τα πλοία θα αναχωρούν κάθε "
    "πρωί στις επτά.",
)
FRENCH = TextDigest(
    "Le marché couvert change d'horaires",
    "Le marché couvert ouvrira désormais à sept heures du matin. Les maraîchers vendent "
    "leurs légumes, fromages et fleurs jusqu'à midi.",
)
FRENCH_OLD = TextDigest(
    "Le Marche couvert change d'horaires - Archives",
    "Le marche couvert ouvrira desormais a sept heures du matin. Les maraichers vendent "
    "leurs legumes, fromages et fleurs jusqu'a midi. Page archivée.",
)
FRENCH_404 = TextDigest(
    "Page introuvable - Archives des nouvelles",
    "Désolé, la page demandée est introuvable. Retour aux archives.",
)


class TestPageSimilarity:
    @pytest.mark.parametrize(
        ("a", "b", "low", "high"),
        [
            pytest.param(MEETING, MEETING, 1.0, 1.0, id="identical"),
            pytest.param(MEETING, MEETING_OLD, 0.8, 1.0, id="english-old-layout"),
            pytest.param(MEETING, TRAMS, 0.0, 0.25, id="english-unrelated"),
            pytest.param(GREEK, GREEK_OLD_UPPER, 0.8, 1.0, id="greek-case-and-accents"),
            pytest.param(GREEK, GREEK_OTHER, 0.0, 0.3, id="greek-unrelated"),
            pytest.param(FRENCH, FRENCH_OLD, 0.8, 1.0, id="french-without-accents"),
            pytest.param(FRENCH, FRENCH_404, 0.0, 0.2, id="french-not-found-page"),
            pytest.param(MEETING, GREEK, 0.0, 0.0, id="different-scripts"),
        ],
    )
    def test_score_falls_in_the_expected_band(
        self, a: TextDigest, b: TextDigest, low: float, high: float
    ) -> None:
        """Same article in old and new layout scores high; different articles score low."""
        assert low <= page_similarity(a, b) <= high

    def test_is_symmetric(self) -> None:
        assert page_similarity(MEETING, MEETING_OLD) == page_similarity(MEETING_OLD, MEETING)

    def test_pages_without_titles_are_compared_on_text(self) -> None:
        a = TextDigest("", MEETING.text)
        b = TextDigest("Something else entirely", MEETING.text)
        assert page_similarity(a, b) > 0.8

    def test_unspaced_scripts_yield_bigrams(self) -> None:
        """Chinese text without spaces still has terms in common with itself."""
        a = TextDigest("市政厅会议", "市议会周二晚上开会讨论新的市场广场")
        b = TextDigest("市政厅会议", "市议会周二晚上开会讨论新的市场广场和喷泉")
        assert page_similarity(a, b) > 0.8
        assert "市政" in terms("市政厅")


class TestTerms:
    def test_fold_removes_case_and_accents(self) -> None:
        assert fold("Άρθρα ΘΈΑΤΡΟ Élan") == "αρθρα θεατρο elan"

    def test_final_sigma_equals_sigma(self) -> None:
        assert terms("ΠΌΛΗΣ") == terms("πόλης")

    def test_single_ascii_letters_are_dropped(self) -> None:
        assert terms("a b cd") == frozenset({"cd"})

    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            (frozenset(), frozenset(), 1.0),
            (frozenset({"x"}), frozenset(), 0.0),
            (frozenset({"x", "y"}), frozenset({"y", "z"}), 0.5),
        ],
    )
    def test_dice(self, a: frozenset[str], b: frozenset[str], expected: float) -> None:
        assert dice(a, b) == expected


class TestNotFoundPhrase:
    @pytest.mark.parametrize(
        ("text", "langs", "phrase"),
        [
            ("Page not found", ["en"], "page not found"),
            ("Page introuvable - Archives", ["fr"], "page introuvable"),
            ("Η σελίδα δεν βρέθηκε", ["el"], "δεν βρεθηκε"),
            ("ΔΕΝ ΒΡΈΘΗΚΕ", ["el-GR"], "δεν βρεθηκε"),
            ("Seite nicht gefunden", ["de"], "seite nicht gefunden"),
            ("Página no encontrada", ["es"], "pagina no encontrada"),
            ("Страница не найдена", ["ru"], "страница не наидена"),
            ("Oops, not found", ["fr"], "not found"),  # English is always tried
            ("Error 404", [], "error 404"),
            ("Fehler: 404", ["de"], "404"),
        ],
    )
    def test_finds_the_phrase_of_the_language(
        self, text: str, langs: list[str], phrase: str
    ) -> None:
        assert not_found_phrase(text, langs) == phrase

    @pytest.mark.parametrize(
        "text",
        ["Council meeting on the new market square", "Το θέατρο ανοίγει ξανά", "Room 4040"],
    )
    def test_ordinary_titles_have_none(self, text: str) -> None:
        assert not_found_phrase(text, ["en", "el"]) is None
