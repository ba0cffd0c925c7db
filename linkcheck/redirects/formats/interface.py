"""Records shared by every redirect-list format (the pip-audit `interface.py` shape).

A reader turns the text of one file into an `ImportResult`: the entries and comments it
understood, in file order, and every line it could not translate (`Skipped`, with its line
number and the reason), so that nothing is ever dropped silently. A writer turns `Entry`
records (made from the validated map) into text, and says which entries it could not write.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Comment", "Entry", "ExportResult", "ImportResult", "Skipped"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One redirect rule in the terms of our YAML schema (DESIGN.md §3)."""

    source: str
    """`from` as written: a path, an absolute URL, or a regex when `regex` is true."""
    target: str | None
    """`to`, None for a 410 (gone) rule."""
    status: int
    """301, 302, 303, 307, 308 or 410."""
    line: int
    """1-based line of the entry in the file it was read from (0 when not from a file)."""
    regex: bool = False
    query: str = "keep"
    """`keep` (carry the query string to the target) or `drop`."""
    note: str = ""
    where: str = ""
    """`file:line` of the rule in the map it was exported from (for messages)."""


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line of the source file, kept in order as a YAML comment."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line (or exported rule) that could not be translated, and why."""

    line: int
    text: str
    reason: str
    where: str = ""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What a reader understood: entries and comments in file order, and what it skipped."""

    items: tuple[Entry | Comment, ...]
    skipped: tuple[Skipped, ...] = ()
    notices: tuple[str, ...] = ()
    """Translations that changed meaning slightly (said once each on stderr)."""

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(item for item in self.items if isinstance(item, Entry))


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A writer's output text and the entries it could not express in its format."""

    text: str
    skipped: tuple[Skipped, ...] = ()
    notices: tuple[str, ...] = ()
