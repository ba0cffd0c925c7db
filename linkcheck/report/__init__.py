"""The report layer: renders what analysis produced, nothing else.

`Report` is the one record every writer takes (JSON, HTML, JUnit, Markdown, SARIF); its
fields mirror the JSON contract of DESIGN.md §5. `write_reports` writes the requested formats
into the output folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from linkcheck.findings import Finding, Severity, fails, is_accepted


@dataclass(frozen=True, slots=True)
class PairRecord:
    """An upgraded page and its legacy counterpart as judged."""

    site: str
    upgraded: str
    legacy: str | None
    status: int | None
    similarity: float | None
    healthy: bool


@dataclass(frozen=True, slots=True)
class LiveRedirect:
    """What the server answered for a rule's source (DESIGN.md §5 `redirects[].live`)."""

    status: int | None
    location: str | None
    hops: tuple[str, ...]
    final_status: int | None


@dataclass(frozen=True, slots=True)
class RedirectRecord:
    """One entry of the map, as reported: declared values and, when checked, the live ones."""

    source: str
    target: str | None
    status: int
    line: int
    file: str
    valid: bool
    live: LiveRedirect | None = None
    healthy: bool | None = None


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """Per-site numbers; `coverage` is None for crawl-only sites."""

    name: str
    upgraded: int
    healthy_pairs: int
    coverage: float | None
    pages: int = 0
    links: int = 0
    new: str | None = None
    legacy: str | None = None
    broken_pairs: int = 0
    redirects: int = 0
    healthy_redirects: int = 0


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One earlier (or this) run as kept in the history store: enough for a trend chart."""

    started: str
    errors: int
    warnings: int
    infos: int
    accepted: int = 0
    failed: bool = False
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one run produced; the writers only render it."""

    version: str
    started: str
    finished: str
    config: str
    partial: bool
    pages: int
    links: int
    findings: tuple[Finding, ...]
    pairs: tuple[PairRecord, ...] = ()
    redirects: tuple[RedirectRecord, ...] = ()
    sites: tuple[SiteSummary, ...] = ()
    fail_on: str = "error"
    stats: Mapping[str, Any] = field(default_factory=dict)
    """`status`: {"200": count, "error": count, ...}; `times`: response times in seconds
    (see `linkcheck.report.stats.response_stats`)."""
    new: tuple[Finding, ...] = ()
    """Findings not seen in the previous run of the same config (`store.with_history`)."""
    fixed: tuple[Finding, ...] = ()
    """Findings of the previous run that are gone now."""
    history: tuple[RunSummary, ...] = ()
    """Earlier runs of the same config, oldest first, this run last."""
    previous: str | None = None
    """When the run compared against started; None without history."""

    def is_accepted(self, finding: Finding) -> bool:
        """Accepted findings are shown but never fail the run."""
        return is_accepted(finding)

    def count(self, severity: Severity) -> int:
        """Findings of that severity that are not accepted."""
        return sum(1 for f in self.findings if f.severity is severity and not self.is_accepted(f))

    @property
    def accepted(self) -> int:
        return sum(1 for f in self.findings if self.is_accepted(f))

    def failed(self) -> bool:
        """Whether a finding at or above `fail_on` remains (accepted ones excluded)."""
        return fails(self.findings, self.fail_on)
