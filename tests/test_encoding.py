"""Decoding bodies: BOM, header, <meta>, UTF-8, detection of legacy Greek and Cyrillic pages."""

from __future__ import annotations

import codecs

import pytest

from linkcheck import encoding
from linkcheck.encoding import (
    binary_kind,
    charset_from_content_type,
    codec_name,
    decode_body,
    sniff_meta_charset,
)

GREEK = (
    "<html><head><title>Ανακοινώσεις του Δήμου Αθηναίων</title></head><body>"
    "<h1>Άρθρα και νέα</h1><p>Η Ελληνική γλώσσα είναι όμορφη. Ώρα για ένα νέο άρθρο "
    "σχετικά με την Ύδρα και την Έδεσσα.</p><a href='/el/άρθρα/'>Όλα τα άρθρα</a></body></html>"
)
GREEK_SHORT = (
    "<html><head><title>Άρθρο</title></head><body><p>Άγιος Νικόλαος: Άνοιξη στην Αθήνα."
    "</p></body></html>"
)
RUSSIAN = (
    "<html><head><title>Новости компании</title></head><body><h1>Добро пожаловать</h1>"
    "<p>Это пример страницы на русском языке. Здесь вы найдёте последние новости и статьи."
    "</p><a href='/ru/статьи/'>Все статьи</a></body></html>"
)
RUSSIAN_SHORT = "<html><title>Главная</title><body><p>Привет, мир! Как дела?</p></body></html>"
UKRAINIAN = (
    "<html><title>Головна</title><body><p>Ласкаво просимо до нашої бібліотеки.</p></body></html>"
)


class TestDetectionOfUndeclaredLegacyPages:
    @pytest.mark.parametrize(
        ("text", "codec"),
        [
            (GREEK, "iso8859-7"),
            (GREEK, "cp1253"),
            (GREEK_SHORT, "iso8859-7"),
            (GREEK_SHORT, "cp1253"),
            (RUSSIAN, "cp1251"),
            (RUSSIAN, "koi8-r"),
            (RUSSIAN_SHORT, "cp1251"),
            (RUSSIAN_SHORT, "koi8-r"),
            (UKRAINIAN, "cp1251"),
            ("<p>Москва</p>", "koi8-r"),
            ("<p>Москва</p>", "cp1251"),
            ("<p>Ласкаво просимо. Їжак і ґанок у Києві.</p>", "koi8-u"),
            ("<p>Élève français: où est le café? Ça coûte 5 €. «Très bien».</p>", "cp1252"),
            ("<p>Zażółć gęślą jaźń. Łódź to piękne miasto.</p>", "cp1250"),
        ],
    )
    def test_undeclared_page_comes_out_right(self, text: str, codec: str) -> None:
        """No header charset, no meta: the detector must read the legacy page correctly."""
        decoded = decode_body(text.encode(codec), "text/html")
        assert decoded.text == text
        assert decoded.source == "detected"
        assert decoded.problem is None

    def test_utf8_wins_when_it_decodes(self) -> None:
        decoded = decode_body(GREEK.encode("utf-8"), "text/html")
        assert (decoded.text, decoded.charset, decoded.source) == (GREEK, "utf-8", "utf-8")


class TestDeclarationOrder:
    def test_bom_beats_header_and_meta(self) -> None:
        body = codecs.BOM_UTF8 + b'<meta charset="koi8-r">' + "Ωμέγα".encode()
        decoded = decode_body(body, "text/html; charset=iso-8859-7")
        assert decoded.source == "bom"
        assert decoded.text == '<meta charset="koi8-r">Ωμέγα'

    @pytest.mark.parametrize("bom_codec", ["utf-16-le", "utf-16-be"])
    def test_utf16_with_bom(self, bom_codec: str) -> None:
        bom = codecs.BOM_UTF16_LE if bom_codec.endswith("le") else codecs.BOM_UTF16_BE
        decoded = decode_body(bom + RUSSIAN.encode(bom_codec), "text/html")
        assert decoded.text == RUSSIAN

    def test_header_beats_meta(self) -> None:
        body = b'<meta charset="utf-8">' + "Привет".encode("koi8-r")
        decoded = decode_body(body, 'text/html; charset="KOI8-R"')
        assert decoded.source == "header"
        assert decoded.text is not None and decoded.text.endswith("Привет")

    @pytest.mark.parametrize(
        "meta",
        [
            b'<meta charset="windows-1253">',
            b"<meta charset=windows-1253>",
            b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1253">',
            b"<meta content='text/html;charset=windows-1253' http-equiv='content-type'>",
        ],
    )
    def test_meta_forms_are_found(self, meta: bytes) -> None:
        body = b"<html><head>" + meta + b"</head><body>" + GREEK_SHORT.encode("cp1253")
        decoded = decode_body(body, "text/html")
        assert decoded.source == "meta"
        assert decoded.charset == "cp1253"

    def test_meta_in_a_comment_is_ignored(self) -> None:
        assert (
            sniff_meta_charset(b'<!-- <meta charset="koi8-r"> --><meta charset="utf-8">') == "utf-8"
        )

    def test_latin1_label_means_windows_1252(self) -> None:
        """WHATWG: iso-8859-1 is read as windows-1252 (curly quotes at 0x93/0x94)."""
        decoded = decode_body(b"\x93quoted\x94", "text/html; charset=ISO-8859-1")
        assert decoded.text == "“quoted”"


class TestProblemsForC109:
    def test_header_charset_that_does_not_decode_is_a_problem_but_text_is_kept(self) -> None:
        """Declared UTF-8, sent windows-1251: read as detected, reported as unusable as declared."""
        decoded = decode_body(RUSSIAN.encode("cp1251"), "text/html; charset=utf-8")
        assert decoded.text == RUSSIAN
        assert decoded.problem is not None and "utf-8" in decoded.problem

    def test_unknown_charset_is_a_problem(self) -> None:
        decoded = decode_body(b"<p>hello</p>", "text/html; charset=x-klingon")
        assert decoded.text == "<p>hello</p>"
        assert decoded.problem is not None and "x-klingon" in decoded.problem

    @pytest.mark.parametrize(
        "body",
        [
            b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
            b"%PDF-1.7\n" + bytes(200),
            b"\x1f\x8b\x08\x00" + bytes(100),
            bytes(range(256)) * 20,
            b"<html>\x00\x01\x02\x03" * 100,
        ],
    )
    def test_binary_served_as_html_has_no_text(self, body: bytes) -> None:
        decoded = decode_body(body, "text/html; charset=utf-8")
        assert decoded.text is None
        assert decoded.problem is not None and decoded.problem.startswith("body is")

    def test_non_text_codec_is_not_a_charset(self) -> None:
        assert codec_name("base64") is None
        assert codec_name("rot13") is None

    def test_plain_text_is_not_binary(self) -> None:
        assert binary_kind(RUSSIAN.encode("koi8-r")) is None
        assert binary_kind(b"") is None

    def test_a_stray_nul_does_not_make_a_page_binary(self) -> None:
        assert binary_kind(b"<html><a href='/x\x00y'>x</a>" + b"<p>text</p>" * 50) is None


def test_empty_body_is_empty_text() -> None:
    assert decode_body(b"", "text/html").text == ""


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("text/html; charset=UTF-8", "UTF-8"),
        ("text/html;charset='windows-1251'", "windows-1251"),
        ("text/html", None),
        ("text/html; charset=", None),
    ],
)
def test_charset_from_content_type(value: str, label: str | None) -> None:
    assert charset_from_content_type(value) == label


@pytest.mark.parametrize(("magic", "kind"), encoding._MAGIC)
def test_every_magic_number_is_recognised(magic: bytes, kind: str) -> None:
    """The one-call prefix check in front of the magic table lets none of them through."""
    body = magic + b"<html><p>some text after the magic number</p></html>" * 20
    assert encoding.binary_kind(body) == kind
    decoded = encoding.decode_body(body, "text/html; charset=utf-8")
    assert decoded.text is None and decoded.problem == f"body is {kind}"


@pytest.mark.parametrize(("bom", "codec"), encoding._BOMS)
def test_every_bom_is_honoured_whatever_the_header_says(bom: bytes, codec: str) -> None:
    """The first-byte check in front of sniff_bom lets no BOM through."""
    body = bom + "<p>Ωμέγα</p>".encode(codec)
    decoded = encoding.decode_body(body, "text/html; charset=koi8-r")
    assert (decoded.text, decoded.charset, decoded.source) == ("<p>Ωμέγα</p>", codec, "bom")
