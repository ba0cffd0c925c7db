"""Helpers shared by the readers and writers: regex literals, statuses, notes.

A regex that only spells one literal path (`^/a\\.html$`) is the same rule as the exact
path: readers turn it into an exact entry (NGINX.md: keep regex rules few) and writers that
need a regex (Apache `RedirectMatch`) write exact rules that way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from linkcheck.config import GONE, REDIRECT_STATUSES
from linkcheck.redirects.formats.interface import Comment, Entry, ImportResult, Skipped
from linkcheck.redirects.validate import REGEX_META, literal_of

__all__ = [
    "NOTE_PREFIX",
    "STATUSES",
    "Untranslatable",
    "attach_notes",
    "decode_letters",
    "header_lines",
    "literal_of",
    "note_lines",
    "parse_status",
    "read_lines",
    "regex_of_literal",
    "split_comment",
]

STATUSES = REDIRECT_STATUSES | {GONE}
NOTE_PREFIX = "note:"
"""A comment line `# note: TEXT` just above a rule is that rule's `note:` (both ways)."""


class Untranslatable(ValueError):
    """A line or rule whose meaning the other format cannot express; the message says why."""


def read_lines(text: str, entry: Callable[[str, int, set[str]], Entry]) -> ImportResult:
    """Read a one-rule-a-line format: blank lines skipped, `#` lines kept as comments,
    every other line given to `entry(line, number, notices)`; an `Untranslatable` skips it."""
    items: list[Entry | Comment] = []
    skipped: list[Skipped] = []
    notices: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            items.append(Comment(line[1:].strip(), number))
            continue
        try:
            items.append(entry(line, number, notices))
        except Untranslatable as exc:
            skipped.append(Skipped(number, line, str(exc)))
    return ImportResult(tuple(attach_notes(items)), tuple(skipped), tuple(sorted(notices)))


def regex_of_literal(path: str) -> str:
    """`^path$` with only the regex metacharacters escaped (readable for humans)."""
    return "^" + "".join("\\" + ch if ch in REGEX_META else ch for ch in path) + "$"


_WORDS = {"permanent": 301, "temp": 302, "seeother": 303, "gone": 410}


def parse_status(text: str) -> int | None:
    """A status number or an Apache/SEO-tool word; None if it is not one we support."""
    word = text.strip().lower().rstrip("!")
    if word in _WORDS:
        return _WORDS[word]
    for name, status in (("permanent", 301), ("temporary", 302), ("moved", 301)):
        if word.startswith(name):
            return status
    match = re.fullmatch(r"(\d{3})(?:\s.*)?", word)
    if match and int(match.group(1)) in STATUSES:
        return int(match.group(1))
    return None


def attach_notes(items: list[Entry | Comment]) -> list[Entry | Comment]:
    """Fold `# note: TEXT` comments into the `note` of the entry that follows them."""
    out: list[Entry | Comment] = []
    pending: Comment | None = None
    for item in items:
        if isinstance(item, Comment) and item.text.startswith(NOTE_PREFIX):
            if pending is not None:
                out.append(pending)
            pending = item
            continue
        if pending is not None:
            if isinstance(item, Entry) and not item.note:
                item = replace(item, note=pending.text[len(NOTE_PREFIX) :].strip())
            else:
                out.append(pending)
            pending = None
        out.append(item)
    if pending is not None:
        out.append(pending)
    return out


def note_lines(entry: Entry) -> list[str]:
    """The `# note: ...` line a writer puts above an entry that has a note."""
    if not entry.note:
        return []
    return header_lines([f"{NOTE_PREFIX} {entry.note}"])


def split_comment(line: str) -> tuple[str, str]:
    """`(content, comment)`: a `#` at the start or after whitespace starts a comment."""
    match = re.search(r"(?:^|\s)#", line)
    if match is None:
        return line, ""
    return line[: match.start()], line[match.end() :].strip()


_UTF8_ESCAPES = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")


def decode_letters(text: str) -> str:
    """Percent-encoded UTF-8 letters written as letters; ASCII escapes (`%2F`) are kept."""

    def letters(match: re.Match[str]) -> str:
        try:
            return bytes.fromhex(match.group(0).replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return match.group(0)

    return _UTF8_ESCAPES.sub(letters, text)


def header_lines(header: Sequence[str]) -> list[str]:
    """`# ...` comment lines, one per item, whitespace and control characters flattened."""
    out = []
    for text in header:
        clean = "".join(ch if ch.isprintable() else " " for ch in text)
        out.append(f"# {' '.join(clean.split())}".rstrip())
    return out
