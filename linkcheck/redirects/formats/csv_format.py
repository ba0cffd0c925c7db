"""CSV redirect lists, as SEO tools and spreadsheets export them.

The header row names the columns, in any order, under the names those tools use (source /
from / old / url, target / to / new / destination / redirect, status / code / type), with
optional `regex`, `query` and `note` columns. The delimiter (comma, semicolon, tab) is
sniffed; the text is UTF-8 with or without a BOM (UTF-16 with a BOM, as spreadsheets write
"Unicode text", is accepted too). Rows whose first cell starts with `#` are comments. The
writer writes `source,target,status,regex,query,note` with a comma.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from linkcheck.redirects.formats._common import STATUS_LIST, attach_notes, parse_status
from linkcheck.redirects.formats.interface import (
    Comment,
    Entry,
    ExportResult,
    ImportResult,
    Skipped,
)

__all__ = ["COLUMNS", "HeaderError", "read", "write"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source", "from", "old", "url", "old url", "source url", "redirect from",
               "from url", "address", "original url", "old path", "path"),
    "target": ("target", "to", "new", "destination", "redirect", "target url", "new url",
               "redirect to", "destination url", "redirect url", "to url", "new path"),
    "status": ("status", "code", "type", "status code", "redirect type", "http status",
               "redirect code", "http code"),
    "regex": ("regex", "is regex", "regexp", "pattern"),
    "query": ("query",),
    "note": ("note", "notes", "comment", "comments", "description", "title"),
}  # fmt: skip
"""Header names recognised per column (compared case-insensitively, `_`/`-` as spaces)."""

_TRUE = {"true", "yes", "1", "y", "x", "regex"}


class HeaderError(ValueError):
    """The first row does not name a source and a target column."""


def _name(cell: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", cell).strip().lower().split())


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column → index; when several cells fit a column, the name listed first wins (so
    `code` beats `type`, which some tools use for the kind of rule, not its status)."""
    names = [_name(cell) for cell in header]
    found: dict[str, int] = {}
    for column, accepted in COLUMNS.items():
        ranked = [
            (accepted.index(name), index)
            for index, name in enumerate(names)
            if name in accepted and index not in found.values()
        ]
        if ranked:
            found[column] = min(ranked)[1]
    unknown = [
        cell.strip()
        for index, cell in enumerate(header)
        if cell.strip() and index not in found.values()
    ]
    return found, unknown


def _dialect(sample: str) -> str:
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read(text: str) -> ImportResult:
    """Entries of a CSV list with a header row; raises HeaderError without one."""
    text = text.lstrip("\ufeff")
    delimiter = _dialect(text[:65536])
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    items: list[Entry | Comment] = []
    skipped: list[Skipped] = []
    columns: dict[str, int] | None = None
    notices: list[str] = []
    for row in rows:
        number = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if row[0].lstrip().startswith("#"):
            comment = delimiter.join(row).strip()[1:].strip().rstrip(delimiter).strip()
            items.append(Comment(comment, number))
            continue
        if columns is None:
            columns, unknown = _columns(row)
            if "source" not in columns or "target" not in columns:
                raise HeaderError(
                    f"line {number}: the first row must name a source and a target column "
                    f"(for example `source,target,status`), not {', '.join(row)!r}"
                )
            if unknown:
                notices.append(f"columns not imported: {', '.join(unknown)}")
            continue
        try:
            items.append(_entry(row, columns, number))
        except ValueError as exc:
            skipped.append(Skipped(number, delimiter.join(row), str(exc)))
    if columns is None:
        raise HeaderError("no header row: the file holds no rows")
    return ImportResult(tuple(attach_notes(items)), tuple(skipped), tuple(notices))


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _entry(row: list[str], columns: dict[str, int], number: int) -> Entry:
    source = _cell(row, columns, "source")
    target = _cell(row, columns, "target")
    status_text = _cell(row, columns, "status")
    if not source:
        raise ValueError("the source cell is empty")
    status = 301
    if status_text:
        parsed = parse_status(status_text)
        if parsed is None:
            raise ValueError(f"status {status_text!r} is not one of {STATUS_LIST}")
        status = parsed
    elif not target:
        raise ValueError("the target cell is empty (a gone page needs status 410)")
    if status == 410:
        if target:
            raise ValueError("a 410 (gone) row takes no target")
        return _with_extras(Entry(source, None, 410, number), row, columns)
    if not target:
        raise ValueError(f"a {status} redirect needs a target")
    return _with_extras(Entry(source, target, status, number), row, columns)


def _with_extras(entry: Entry, row: list[str], columns: dict[str, int]) -> Entry:
    regex = _cell(row, columns, "regex").lower() in _TRUE
    query = _cell(row, columns, "query").lower() or "keep"
    if query not in ("keep", "drop"):
        raise ValueError(f"query {query!r} is not keep or drop")
    return Entry(
        entry.source,
        entry.target,
        entry.status,
        entry.line,
        regex=regex,
        query=query,
        note=_cell(row, columns, "note"),
    )


def write(entries: Sequence[Entry], header: Sequence[str] = ()) -> ExportResult:
    """`source,target,status,regex,query,note` rows (a CSV has no comments: no header text)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["source", "target", "status", "regex", "query", "note"])
    for entry in entries:
        writer.writerow(
            [
                entry.source,
                entry.target or "",
                entry.status,
                "true" if entry.regex else "",
                "" if entry.query == "keep" else entry.query,
                entry.note,
            ]
        )
    return ExportResult(out.getvalue())
