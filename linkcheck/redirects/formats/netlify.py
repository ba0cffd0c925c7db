"""Netlify `_redirects`: `from to [status][!]`, first match wins, `#` comments.

Placeholders (`/blog/:year/:slug`) and a trailing splat (`/news/*`, `:splat` in the target)
become regex rules (`^/blog/([^/]+)/([^/]+)$` → `$1`, `$2`); the writer turns such regexes
back, naming placeholders `:p1`, `:p2`... What has no equivalent in our map (status 200
rewrites, custom 404 pages, query-parameter, country, language or role conditions) is
reported with its line number, never dropped silently.

Our rules always apply, as nginx applies them before serving a file, so the writer marks
every rule forced (`301!`) and the reader accepts both forms. A 410 rule is written with the
body page `/404.html`, the target Netlify needs on every line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from linkcheck.redirects.formats._common import (
    STATUSES,
    Untranslatable,
    header_lines,
    literal_of,
    note_lines,
    read_lines,
    regex_of_literal,
    split_comment,
)
from linkcheck.redirects.formats.interface import (
    Entry,
    ExportResult,
    ImportResult,
    Skipped,
)

__all__ = ["GONE_BODY", "read", "write"]

GONE_BODY = "/404.html"
_PLACEHOLDER = re.compile(r":([A-Za-z_]\w*)")
_ABSOLUTE = re.compile(r"https?://[^/]+", re.IGNORECASE)


def read(text: str) -> ImportResult:
    """Entries and comments of a `_redirects` file, and the lines that were skipped."""
    return read_lines(text, _line_entry)


def _line_entry(line: str, number: int, notices: set[str]) -> Entry:
    content, comment = split_comment(line)
    return _entry(content.split(), number, comment, notices)


def _entry(fields: list[str], number: int, note: str, notices: set[str]) -> Entry:
    if len(fields) < 2:
        raise Untranslatable("expected `from to [status]`")
    source, target, rest = fields[0], fields[1], fields[2:]
    if not _is_location(target):
        if "=" in target:
            raise Untranslatable("query-parameter conditions (key=value) are not translated")
        raise Untranslatable(f"target {target!r} is not a path or an http(s) URL")
    status = 301
    if rest:
        token = rest[0].rstrip("!")
        if not token.isdigit():
            raise Untranslatable(f"status {rest[0]!r} is not a number")
        status = int(token)
        if len(rest) > 1:
            raise Untranslatable(
                f"conditions ({' '.join(rest[1:])}) are not translated: our rules apply always"
            )
    if status == 200:
        raise Untranslatable("status 200 is a rewrite (proxy), not a redirect")
    if status == 404:
        raise Untranslatable("status 404 serves a custom error page, not a redirect")
    if status not in STATUSES:
        raise Untranslatable(f"status {status} is not one of 301, 302, 303, 307, 308, 410")
    if not _is_location(source):
        raise Untranslatable(f"source {source!r} is not a path or an http(s) URL")
    regex, source, target = _pattern(source, target)
    if status == 410:
        if target != GONE_BODY:
            notices.add(f"410 lines keep no target: the map's 410 rules serve no page ({target})")
        return Entry(source, None, 410, number, regex=regex, note=note)
    return Entry(source, target, status, number, regex=regex, note=note)


def _is_location(text: str) -> bool:
    return text.startswith("/") or _ABSOLUTE.match(text) is not None


def _pattern(source: str, target: str) -> tuple[bool, str, str]:
    """`(regex, from, to)`: a placeholder or splat source becomes a regex with `$N`."""
    prefix_match = _ABSOLUTE.match(source)
    prefix = prefix_match.group(0) if prefix_match else ""
    path = source[len(prefix) :]
    segments = path.split("/")
    if "*" not in path and not any(_PLACEHOLDER.fullmatch(s) for s in segments):
        if _PLACEHOLDER.search(target.replace("://", "")):
            raise Untranslatable("the target uses a placeholder the source does not define")
        return False, source, target
    names: list[str] = []
    parts: list[str] = []
    for i, segment in enumerate(segments):
        if segment == "*" and i == len(segments) - 1:
            parts.append("(.*)")
            names.append("splat")
        elif _PLACEHOLDER.fullmatch(segment):
            parts.append("([^/]+)")
            names.append(segment[1:])
        elif "*" in segment:
            raise Untranslatable("a splat `*` is only translated at the end of the source")
        else:
            parts.append(regex_of_literal(segment)[1:-1])
    pattern = "^" + regex_of_literal(prefix)[1:-1] + "/".join(parts) + "$"

    def group(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            raise Untranslatable(f"the target uses :{match.group(1)}, not defined in the source")
        return f"${names.index(match.group(1)) + 1}"

    scheme = _ABSOLUTE.match(target)
    head = scheme.group(0) if scheme else ""
    return True, pattern, head + _PLACEHOLDER.sub(group, target[len(head) :])


# --------------------------------------------------------------------------- writing


def write(entries: Sequence[Entry], header: Sequence[str] = ()) -> ExportResult:
    """`_redirects` text for `entries`, in order; what Netlify cannot say is skipped."""
    lines = header_lines(header)
    skipped: list[Skipped] = []
    notices: list[str] = []
    for entry in entries:
        try:
            source, target = _netlify_pair(entry)
        except Untranslatable as exc:
            skipped.append(Skipped(entry.line, entry.source, str(exc), entry.where))
            continue
        if entry.query == "drop":
            notices.append(
                f"{entry.where}: Netlify keeps the query string; `query: drop` is not written"
            )
        lines.extend(note_lines(entry))
        lines.append(f"{source}  {target}  {entry.status}!")
    return ExportResult("\n".join(lines) + "\n", tuple(skipped), tuple(notices))


def _netlify_pair(entry: Entry) -> tuple[str, str]:
    """The `from to` of `entry`, checked to read back as the same rule."""
    source, target = _spell(entry)
    if any(c.isspace() for c in source + target):
        raise Untranslatable("whitespace cannot be written in a `_redirects` field")
    try:
        back = _entry([source, target, str(entry.status)], 0, "", set())
    except Untranslatable as exc:
        raise Untranslatable(f"Netlify would not read it back: {exc}") from None
    literal = literal_of(entry.source) if entry.regex else None
    expected = (
        (literal, entry.target, False)
        if literal is not None
        else (entry.source, entry.target, entry.regex)
    )
    if (back.source, back.target, back.regex) != expected:
        raise Untranslatable("Netlify would read this rule differently")
    return source, target


def _spell(entry: Entry) -> tuple[str, str]:
    target = entry.target if entry.target is not None else GONE_BODY
    if not entry.regex:
        if "*" in entry.source or any(_PLACEHOLDER.fullmatch(s) for s in entry.source.split("/")):
            raise Untranslatable(
                "the source holds `*` or `:name`, which Netlify reads as a pattern"
            )
        if _PLACEHOLDER.search(target.replace("://", "")) and entry.target is not None:
            raise Untranslatable("the target holds `:name`, which Netlify reads as a placeholder")
        return entry.source, target
    return _from_regex(entry.source, target if entry.target is not None else None)


def _from_regex(pattern: str, target: str | None) -> tuple[str, str]:
    """The Netlify spelling of a regex made of literal segments, `([^/]+)` and a final `(.*)`."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise Untranslatable("only anchored regexes (^...$) translate to Netlify patterns")
    body = pattern[1:-1]
    out: list[str] = []
    groups: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("([^/]+)", i):
            groups.append(f"p{len(groups) + 1}")
            out.append(f":p{len(groups)}")
            i += len("([^/]+)")
            if i < len(body) and body[i] != "/":
                raise Untranslatable("a placeholder must fill a whole path segment")
        elif body.startswith("(.*)", i) and i + len("(.*)") == len(body):
            groups.append("splat")
            out.append("*")
            i = len(body)
        elif body[i] == "\\" and i + 1 < len(body) and not body[i + 1].isalnum():
            out.append(body[i + 1])
            i += 2
        elif body[i] in ".^$*+?{}[]\\|()":
            raise Untranslatable(
                "the regex is not a Netlify pattern (only :placeholders and a final *)"
            )
        else:
            out.append(body[i])
            i += 1
    source = "".join(out)
    for index, marker in enumerate(out):
        if (marker.startswith(":p") or marker == "*") and (
            index == 0 or not out[index - 1].endswith("/")
        ):
            raise Untranslatable("a placeholder must fill a whole path segment")
    if target is None:
        return source, GONE_BODY

    def name(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(groups):
            raise Untranslatable(f"the target uses ${number}, beyond the regex's groups")
        return f":{groups[number - 1]}"

    return source, re.sub(r"\$(\d)", name, target)
