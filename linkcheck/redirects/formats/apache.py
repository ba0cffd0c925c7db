"""Apache mod_alias (`Redirect`, `RedirectPermanent`, `RedirectTemp`, `RedirectMatch`) and
`RewriteMap txt:` files (`key value` lines).

Apache's `Redirect` also redirects every path below its source (`/old` sends `/old/x` to
`/new/x`); our exact rules do not, so the reader imports the page-level mapping and says so
once, and the writer writes exact rules as `RedirectMatch STATUS "^/path$" target`, which
means exactly what the map says. A `RedirectMatch` whose regex spells a single path is read
back as an exact rule. Without a status, `Redirect` and `RedirectMatch` mean 302 (Apache's
default); the writer always writes the status. A `RewriteMap` carries no status: its entries
get 301. Any other directive (mod_rewrite rules, containers) is reported, not translated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from linkcheck.redirects.formats._common import (
    Untranslatable,
    decode_letters,
    header_lines,
    literal_of,
    note_lines,
    parse_status,
    read_lines,
    regex_of_literal,
)
from linkcheck.redirects.formats.interface import (
    Entry,
    ExportResult,
    ImportResult,
    Skipped,
)

__all__ = ["is_apache_config", "read", "write"]

_DIRECTIVES = {"redirect", "redirectpermanent", "redirecttemp", "redirectmatch"}
_FIXED = {"redirectpermanent": 301, "redirecttemp": 302}
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')
_PREFIX_NOTICE = (
    "Apache `Redirect` also redirects the paths below its source; each was imported as an "
    "exact rule (use a regex rule if you need the paths below)"
)


def is_apache_config(text: str) -> bool:
    """Whether the text uses mod_alias directives (else it is read as a RewriteMap)."""
    for line in text.splitlines():
        words = line.split(None, 1)
        if words and words[0].lower() in _DIRECTIVES:
            return True
    return False


def _tokens(line: str) -> list[str]:
    return [
        quoted.replace('\\"', '"') if quoted or plain == "" else plain
        for quoted, plain in _TOKEN.findall(line)
    ]


def read(text: str) -> ImportResult:
    """Entries of a mod_alias configuration or, without any directive, of a RewriteMap."""
    return read_lines(text, _directive if is_apache_config(text) else _map_entry)


def _map_entry(line: str, number: int, notices: set[str]) -> Entry:
    fields = line.split()
    if len(fields) != 2:
        raise Untranslatable("a RewriteMap line is `key value`")
    key, value = fields
    if not key.startswith("/") and not re.match(r"https?://", key, re.IGNORECASE):
        notices.add("RewriteMap keys without a leading '/' were imported as paths ('/' added)")
        key = "/" + key
    return Entry(key, value, 301, number)


def _directive(line: str, number: int, notices: set[str]) -> Entry:
    words = _tokens(line)
    name = words[0].lower()
    args = words[1:]
    if name not in _DIRECTIVES:
        raise Untranslatable(f"`{words[0]}` is not a redirect directive (mod_alias)")
    status = _FIXED.get(name, 302)
    if (
        name in ("redirect", "redirectmatch")
        and args
        and not args[0].startswith("/")
        and re.match(r"https?://", args[0], re.IGNORECASE) is None
    ):
        parsed = parse_status(args[0])
        if parsed is None:
            raise Untranslatable(f"status {args[0]!r} is not one we support")
        status = parsed
        args = args[1:]
    if status == 410:
        if len(args) != 1:
            raise Untranslatable("a gone (410) redirect takes only the source")
        target = None
    elif len(args) != 2:
        raise Untranslatable(f"expected `{words[0]} [status] from to`")
    else:
        target = args[1]
    source = args[0]
    if name == "redirectmatch":
        literal = literal_of(source)
        if literal is not None:
            return Entry(literal, target, status, number)
        return Entry(source, target, status, number, regex=True)
    if not source.startswith("/"):
        raise Untranslatable(f"source {source!r} must be a path starting with '/'")
    notices.add(_PREFIX_NOTICE)
    return Entry(source, target, status, number)


# --------------------------------------------------------------------------- writing


def write(
    entries: Sequence[Entry], header: Sequence[str] = (), *, origin: str | None = None
) -> ExportResult:
    """mod_alias lines for `entries`, in order; rules on another host than `origin` skipped.

    Apache's directives see the path only (they live in one virtual host), so an absolute
    `from` is written as its path when its host is `origin`'s, and skipped otherwise.
    """
    lines = header_lines(header)
    skipped: list[Skipped] = []
    notices: list[str] = []
    for entry in entries:
        try:
            source = _path_source(entry, origin)
        except Untranslatable as exc:
            skipped.append(Skipped(entry.line, entry.source, str(exc), entry.where))
            continue
        if entry.query == "drop":
            notices.append(
                f"{entry.where}: Apache mod_alias keeps the query string; `query: drop` "
                "is not written"
            )
        # mod_alias matches the decoded path: a percent-encoded letter would never match.
        pattern = source if entry.regex else regex_of_literal(decode_letters(source))
        parts = ["RedirectMatch", str(entry.status), _quote(pattern)]
        if entry.target is not None:
            parts.append(_quote(entry.target))
        line = " ".join(parts)
        expected = decode_letters(source) if not entry.regex else literal_of(source) or source
        try:
            back = _directive(line, 0, set())
        except Untranslatable:
            back = Entry("", None, 0, 0)
        if (back.source, back.target, back.status) != (expected, entry.target, entry.status):
            skipped.append(
                Skipped(entry.line, entry.source, "Apache would read it differently", entry.where)
            )
            continue
        lines.extend(note_lines(entry))
        lines.append(line)
    return ExportResult("\n".join(lines) + "\n", tuple(skipped), tuple(notices))


def _path_source(entry: Entry, origin: str | None) -> str:
    source = entry.source
    if entry.regex:
        match = re.match(r"\^?https?://", source, re.IGNORECASE)
        if match:
            raise Untranslatable("a regex over the whole URL (with host) has no mod_alias form")
        return source
    absolute = re.match(r"(https?://[^/]+)(/.*)?$", source, re.IGNORECASE)
    if absolute is None:
        return source
    if origin is None or absolute.group(1).lower() != origin.rstrip("/").lower():
        raise Untranslatable(
            "the source is on another host than defaults.origin; Apache directives see only "
            "the path (write it in that host's virtual host)"
        )
    return absolute.group(2) or "/"


def _quote(text: str) -> str:
    if re.search(r"[\s\"]", text) is None or text == "":
        return text if text else '""'
    # Backslashes in a regex stay as they are; only quotes are escaped inside "...".
    return '"' + text.replace('"', '\\"') + '"'
