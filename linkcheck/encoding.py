"""Body bytes + declared charset → text, the way a browser would read the page.

The order (DESIGN.md "Encoding") is: a byte-order mark; then the charset of the HTTP
`Content-Type`; then `<meta charset>` or `<meta http-equiv="Content-Type">` in the first
bytes; then, for undeclared pages, UTF-8 if the bytes are valid UTF-8, else detection with
charset-normalizer. Legacy sites are the hard case: Greek pages in ISO-8859-7 or
windows-1253 and Cyrillic ones in windows-1251 or KOI8-R often declare nothing. The two
Greek code pages are byte-identical for most letters, so the detector ties between them;
the tie is broken by which reading yields more letters (`Ά` is 0xB6 in one, `¶` in the
other).

A declared charset that does not decode the body is a problem worth a C109 ("content
unusable as declared") even though the page is still read with the charset that fits.
Binary data served as text has no text at all: `Decoded.text` is None and the page is not
parsed. Nothing here raises for bad input.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from charset_normalizer import from_bytes

META_SCAN_BYTES = 4096
"""How far into the body `<meta charset>` is looked for (browsers look at 1024; pages
with long heads put it later and browsers still find it on reparse)."""

DETECT_BYTES = 64 * 1024
"""How much of an undeclared body the detector reads; the whole body is then decoded."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG Encoding Standard labels that mean something else than Python's codec of that name.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "x-cp1251": "cp1251",
    "x-cp1253": "cp1253",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}

_BOM_FIRST_BYTES = frozenset(bom[0] for bom, _ in _BOMS)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\x7fELF", "an executable"),
    (b"RIFF", "a RIFF (WebP/AVI/WAV) file"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
)

_MAGIC_PREFIXES = tuple(magic for magic, _ in _MAGIC)
"""All magic numbers at once: one `startswith` call rules them out for a text page."""

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
"""C0 controls that no text charset uses for text (tab, newlines, form feed, ESC excepted)."""

_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:+-]{1,40})""", re.I)
_META_TAG = re.compile(rb"<meta\b[^>]{0,512}>", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of a body and how it was obtained.

    `text` is None when the body is not text at all (binary); `charset` is the Python
    codec used; `source` says what chose it (bom, header, meta, utf-8, detected, fallback);
    `problem`, when set, is why the content is unusable as declared (for C109).
    """

    text: str | None
    charset: str | None
    source: str
    problem: str | None = None


@lru_cache(maxsize=1024)
def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label (WHATWG aliases applied), None if unknown.

    Cached: every page names its charset, and a run meets only a few labels."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    # Text codecs only: `rot13`, `base64` and friends are not charsets.
    return name if _is_text_codec(name) else None


def _is_text_codec(name: str) -> bool:
    try:
        return bool(getattr(codecs.lookup(name), "_is_text_encoding", True))
    except LookupError:
        return False


@lru_cache(maxsize=256)
def charset_from_content_type(content_type: str) -> str | None:
    """The charset label in a `Content-Type` header value, as written (None if absent).

    Cached: a run meets only a few distinct Content-Type values."""
    match = _CHARSET_PARAM.search(content_type.encode("latin-1", "replace"))
    return match.group(1).decode("ascii") if match else None


def sniff_bom(body: bytes) -> str | None:
    """The codec a byte-order mark at the start announces, if any."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def sniff_meta_charset(body: bytes) -> str | None:
    """The charset label of the first `<meta charset>` / http-equiv in the first bytes."""
    head = _COMMENT.sub(b"", body[:META_SCAN_BYTES])
    for tag in _META_TAG.finditer(head):
        match = _CHARSET_PARAM.search(tag.group(0))
        if match:
            return match.group(1).decode("ascii")
    return None


def binary_kind(body: bytes) -> str | None:
    """What binary data this is (a phrase), or None if it could be text.

    Magic numbers first; then a high share of NUL and control bytes in the first KiBs,
    which no legacy text charset produces (UTF-16 is caught earlier by BOM/header).
    """
    if body.startswith(_MAGIC_PREFIXES):
        for magic, kind in _MAGIC:
            if body.startswith(magic):
                return kind
    sample = body[:8192]
    if not sample:
        return None
    # A stray NUL or control byte happens in legacy HTML; binary data is full of them.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls / len(sample) > 0.05:
        return "binary data (NUL and control bytes)"
    return None


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


_LEGACY_CODECS = [
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1257", "iso8859_2", "iso8859_5",
    "iso8859_7", "iso8859_15", "koi8_r", "koi8_u", "mac_cyrillic", "cp866",
]  # fmt: skip
"""Single-byte code pages of European legacy sites, always weighed besides the detector's
own guess: on a short page it may prefer a CJK multi-byte reading of KOI8-R bytes."""


_PRIOR = [
    "cp1252", "cp1251", "cp1250", "cp1253", "iso8859-7", "koi8-r", "cp1254", "iso8859-2",
    "iso8859-15", "cp1257", "koi8-u", "iso8859-5",
]  # fmt: skip
"""Code pages by how common they are on the web: the last tie-break between readings
that are equally plausible (French in windows-1252 reads as well in windows-1250)."""


def _script(char: str) -> str:
    """A coarse script name for a letter (`CYRILLIC`, `GREEK`, `LATIN`, `CJK`, ...)."""
    name = unicodedata.name(char, "")
    head = name.split(" ", 1)[0]
    if head in ("HIRAGANA", "KATAKANA", "CJK"):
        return "CJK"
    return head


def plausibility(text: str) -> int:
    """How much `text` reads like words: letters in single-script words count for, letters
    in words mixing scripts (mojibake: `醂ﾁﾗﾎ`), symbols and controls count against."""
    score = 0
    word: list[str] = []
    for char in [*text, " "]:
        if char.isalpha():
            word.append(char)
            continue
        if word:
            scripts = {_script(c) for c in word}
            single = len(scripts) == 1 and "HALFWIDTH" not in scripts
            score += len(word) if single else -2 * len(word)
            word = []
        if char in "\r\n\t\f":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Co", "Cn", "So") or char in "¶§¤¦":
            score -= 3
    return score


def _candidates(sample: bytes) -> list[tuple[str, float, float]]:
    """(codec, chaos, coherence) of the detector's matches plus the legacy code pages'."""
    found: dict[str, tuple[str, float, float]] = {}
    for isolation in (None, _LEGACY_CODECS):
        try:
            matches = list(from_bytes(sample, cp_isolation=isolation))
        except Exception:  # the detector must never stop the crawl
            continue
        for match in matches[:8]:
            codec = codec_name(match.encoding)
            if codec is not None and codec not in found:
                found[codec] = (codec, float(match.chaos), float(match.coherence))
    return list(found.values())


def detect(body: bytes) -> str | None:
    """The most plausible legacy charset of undeclared bytes, or None.

    charset-normalizer proposes readings; among those nearly as clean as the best one, the
    reading with the most plausible words wins (this breaks the ISO-8859-7 / windows-1253
    tie and rejects CJK mojibake of short Cyrillic pages), then lower chaos, then
    coherence, then the more common code page.
    """
    sample = body[:DETECT_BYTES]
    candidates = _candidates(sample)
    if not candidates:
        return None
    least_chaos = min(chaos for _, chaos, _ in candidates)
    close = [c for c in candidates if c[1] <= least_chaos + 0.1]
    probe = sample[:16384]

    def key(candidate: tuple[str, float, float]) -> tuple[int, float, float, int]:
        codec, chaos, coherence = candidate
        prior = -_PRIOR.index(codec) if codec in _PRIOR else -len(_PRIOR)
        return (plausibility(probe.decode(codec, "replace")), -chaos, coherence, prior)

    return max(close, key=key)[0]


def decode_body(body: bytes, content_type: str = "") -> Decoded:
    """Decode a response body (see the module docstring for the order and the problems)."""
    if not body:
        return Decoded(text="", charset="utf-8", source="empty")
    bom = sniff_bom(body) if body[0] in _BOM_FIRST_BYTES else None
    if bom is not None:
        # Python's utf-16-le/-be etc. keep the BOM as U+FEFF: strip it.
        return Decoded(body.decode(bom, "replace").lstrip("\ufeff"), bom, "bom")

    declared_label = charset_from_content_type(content_type)
    declared = codec_name(declared_label)
    if declared is not None and declared.startswith(("utf-16", "utf-32")):
        wide = _try(body, declared)
        if wide is not None:
            return Decoded(text=wide, charset=declared, source="header")

    kind = binary_kind(body)
    if kind is not None:
        return Decoded(text=None, charset=None, source="binary", problem=f"body is {kind}")

    problems: list[str] = []
    text: str | None
    if declared_label is not None:
        if declared is None:
            problems.append(f"unknown charset {declared_label!r} in Content-Type")
        else:
            text = _try(body, declared)
            if text is not None:
                return Decoded(text=text, charset=declared, source="header")
            problems.append(f"body is not valid {declared_label} as Content-Type declares")

    meta_label = sniff_meta_charset(body)
    if meta_label is not None:
        meta = codec_name(meta_label)
        if meta is not None and meta.startswith(("utf-16", "utf-32")):
            meta = "utf-8"  # WHATWG: a meta cannot honestly declare UTF-16 in ASCII bytes
        if meta is None:
            problems.append(f"unknown charset {meta_label!r} in <meta>")
        else:
            text = _try(body, meta)
            if text is not None:
                return Decoded(text, meta, "meta", "; ".join(problems) or None)
            problems.append(f"body is not valid {meta_label} as <meta> declares")

    text = _try(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8", "; ".join(problems) or None)

    detected = detect(body)
    if detected is not None:
        return Decoded(
            body.decode(detected, "replace"), detected, "detected", "; ".join(problems) or None
        )
    problems.append("no charset decodes the body")
    return Decoded(body.decode("cp1252", "replace"), "cp1252", "fallback", "; ".join(problems))
