"""Redirect lists in other formats: import them into our YAML, export the validated map.

One reader per format (`csv_format`, `netlify`, `apache`, `nginx_map`) and one writer per
export format (`netlify`, `apache`, `csv_format`), over the records of `interface`. This
module picks the format (from `--format`, else the file name, else the content), decodes the
bytes, and chooses what may be exported: the validated map minus entries with R300 or R307
findings (DESIGN.md "Precise semantics"). The CLI only calls the functions below.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Sequence
from urllib.parse import unquote

from linkcheck.config import Config
from linkcheck.errors import ImportFormatError
from linkcheck.findings import Finding
from linkcheck.redirects.formats import apache, csv_format, netlify, nginx_map
from linkcheck.redirects.formats.interface import (
    Comment,
    Entry,
    ExportResult,
    ImportResult,
    Skipped,
)
from linkcheck.redirects.formats.yaml_out import render_yaml
from linkcheck.urls import UrlError, is_http, normalize

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "Comment",
    "Entry",
    "ExportResult",
    "ImportResult",
    "Skipped",
    "decode",
    "export_config",
    "exportable",
    "guess_format",
    "import_text",
    "render_yaml",
]

IMPORT_FORMATS = ("csv", "netlify", "apache", "nginx-map")
EXPORT_FORMATS = ("netlify", "apache", "csv")
UNEXPORTABLE_CODES = frozenset({"R300", "R307"})


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; ImportFormatError otherwise."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFormatError(f"{name}: not valid UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data[:8192]:
        raise ImportFormatError(f"{name}: binary file, not a redirect list")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            f"{name}:{line}: not UTF-8 text ({exc.reason}); save the file as UTF-8 "
            '(spreadsheets: "CSV UTF-8")'
        ) from exc


_APACHE_NAMES = re.compile(r"(\.htaccess|httpd.*\.conf|apache.*\.conf|rewritemap.*)$", re.I)


def guess_format(name: str, text: str) -> str:
    """The import format of a file, from its name first, then from its content."""
    lower = name.lower().rsplit("/", 1)[-1]
    if lower.endswith((".csv", ".tsv")):
        return "csv"
    if lower in ("_redirects", "netlify.redirects") or lower.endswith(".netlify"):
        return "netlify"
    if _APACHE_NAMES.search(lower):
        return "apache"
    if re.search(r"(?m)^\s*map\s+\S+\s+\$\S+\s*\{", text):
        return "nginx-map"
    if apache.is_apache_config(text):
        return "apache"
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not lines:
        return "netlify"
    first = lines[0].lstrip("\ufeff")
    if any(sep in first for sep in (",", ";", "\t")) and re.search(
        r"(?i)source|from|old|url|target|destination|redirect", first
    ):
        return "csv"
    if lines and all(not ln.startswith(("/", "http")) for ln in lines[:20]):
        return "apache"  # RewriteMap keys are often written without the leading '/'
    return "netlify"


def import_text(text: str, fmt: str, *, origin: str | None = None) -> ImportResult:
    """Read `text` as `fmt`; ImportFormatError when the file as a whole is unusable.

    Entries our loader would reject (a regex Python cannot compile, a target that is not a
    path or an http(s) URL, a bad host or port) are moved to the skipped lines, so that the
    YAML written always loads without R300.
    """
    result = _read(text, fmt, origin)
    lines = text.splitlines()
    items: list[Entry | Comment] = []
    skipped = list(result.skipped)
    for item in result.items:
        reason = _unloadable(item) if isinstance(item, Entry) else None
        if reason is None:
            items.append(item)
        else:
            line = lines[item.line - 1].strip() if 0 < item.line <= len(lines) else ""
            skipped.append(Skipped(item.line, line, reason))
    skipped.sort(key=lambda s: s.line)
    notices = list(result.notices)
    if fmt in FIRST_MATCH_FORMATS:
        notices.extend(_precedence_notices([i for i in items if isinstance(i, Entry)], fmt))
    return ImportResult(tuple(items), tuple(skipped), tuple(notices))


FIRST_MATCH_FORMATS = frozenset({"netlify", "apache"})
"""Formats where the first matching line wins, even over a later exact path."""


def _precedence_notices(entries: Sequence[Entry], fmt: str) -> list[str]:
    """Exact entries that an earlier pattern matched first in `fmt`, but not in our map.

    nginx (and so our map) tries exact paths before any regex; Netlify and Apache take the
    first matching line. Such a pair changes behaviour after the import: say so.
    """
    out: list[str] = []
    patterns: list[tuple[Entry, re.Pattern[str]]] = []
    for entry in entries:
        if entry.regex:
            patterns.append((entry, re.compile(entry.source)))  # compiled once by _unloadable
            continue
        url = entry.source
        path = url if url.startswith("/") else "/" + url.split("://", 1)[-1].partition("/")[2]
        for earlier, compiled in patterns:
            subject = url if is_http(earlier.source.lstrip("^")) else path
            if compiled.search(subject) or compiled.search(unquote(subject)):
                out.append(
                    f"line {entry.line}: in {fmt} the pattern on line {earlier.line} took this "
                    "path first; in the map the exact rule wins (nginx tries exact paths first)"
                )
                break
    return out


def _unloadable(entry: Entry) -> str | None:
    """Why `load_config` would reject this entry (R300), or None."""
    if entry.regex:
        try:
            re.compile(entry.source)
        except re.error as exc:
            return f"the regex does not compile in Python: {exc}"
    elif not (entry.source.startswith("/") or is_http(entry.source)):
        return f"source {entry.source!r} is not a path or an http(s) URL"
    for value in (entry.source if not entry.regex else None, entry.target):
        if value is None:
            continue
        if not (value.startswith("/") or is_http(value)):
            return f"{value!r} is not a path starting with '/' or an http(s) URL"
        if is_http(value):
            problem = _host_problem(value.split("://", 1)[1].split("/", 1)[0].split("?")[0])
            if problem:
                return f"{value!r}: {problem}"
    return None


@functools.lru_cache(maxsize=1024)
def _host_problem(authority: str) -> str | None:
    """What `normalize` says about a URL's host and port (the part that can fail), cached:
    a big list names few hosts."""
    try:
        normalize(f"http://{authority}/")
    except UrlError as exc:
        return str(exc)
    return None


def _read(text: str, fmt: str, origin: str | None) -> ImportResult:
    if fmt == "csv":
        try:
            return csv_format.read(text)
        except csv_format.HeaderError as exc:
            raise ImportFormatError(str(exc)) from exc
    if fmt == "netlify":
        return netlify.read(text)
    if fmt == "apache":
        return apache.read(text)
    if fmt == "nginx-map":
        return nginx_map.read(text, origin)
    raise ImportFormatError(f"unknown import format {fmt!r}; choose from {IMPORT_FORMATS}")


def exportable(config: Config, findings: Sequence[Finding]) -> tuple[list[Entry], list[Skipped]]:
    """The map's entries in order, minus those with R300/R307 findings (reported as skipped)."""
    flagged: dict[str, str] = {}
    for finding in findings:
        if finding.code in UNEXPORTABLE_CODES and finding.source:
            flagged.setdefault(finding.source, f"{finding.code}: {finding.message}")
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for rule in config.rules:
        where = rule.position.file_line
        if not rule.valid or where in flagged:
            reason = flagged.get(where, "R300: invalid entry")
            skipped.append(Skipped(rule.position.line, rule.source, reason, where))
            continue
        entries.append(
            Entry(
                rule.source,
                None if rule.gone else rule.target,
                rule.status,
                rule.position.line,
                regex=rule.regex,
                query=rule.query,
                note=rule.note,
                where=where,
            )
        )
    return entries, skipped


def export_config(
    config: Config, fmt: str, findings: Sequence[Finding], header: Sequence[str] = ()
) -> tuple[ExportResult, list[Skipped]]:
    """The map written as `fmt`, and the entries left out because they are invalid."""
    entries, invalid = exportable(config, findings)
    if fmt == "netlify":
        return netlify.write(entries, header), invalid
    if fmt == "apache":
        return apache.write(entries, header, origin=config.defaults.origin), invalid
    if fmt == "csv":
        return csv_format.write(entries, header), invalid
    raise ImportFormatError(f"unknown export format {fmt!r}; choose from {EXPORT_FORMATS}")
