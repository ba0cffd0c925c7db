"""`summary.md`: short enough for a GitHub step summary or a pull-request comment.

Verdict, counts, what is new and fixed since the previous run, and the top findings (errors
first, at most `TOP`). Text from the web is escaped so it cannot inject Markdown, HTML or
links; the full list is in `index.html` and `report.json`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from linkcheck.findings import Finding, Severity
from linkcheck.report import Report

__all__ = ["TOP", "md_escape", "render_markdown", "write_markdown"]

TOP = 20
MAX_CELL = 160
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_ICON = {Severity.ERROR: "🔴", Severity.WARNING: "🟠", Severity.INFO: "🔵"}


def md_escape(text: object, limit: int = MAX_CELL) -> str:
    """Plain text for a Markdown table cell: one line, no markup, no HTML (bare http(s)
    URLs may still be autolinked, which is harmless)."""
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", value)


def _rank(report: Report, finding: Finding) -> tuple[int, int, str, str]:
    return (
        1 if report.is_accepted(finding) else 0,
        -finding.severity.rank,
        finding.code,
        finding.url,
    )


def _table(report: Report, findings: Sequence[Finding], limit: int) -> list[str]:
    rows = sorted(findings, key=lambda f: _rank(report, f))[:limit]
    lines = ["| | code | URL | message | found at |", "|---|---|---|---|---|"]
    for f in rows:
        icon = "✅ accepted" if report.is_accepted(f) else _ICON[f.severity]
        lines.append(
            f"| {icon} | {f.code} | {md_escape(f.url)} | {md_escape(f.message)} "
            f"| {md_escape(f.source or '')} |"
        )
    if len(findings) > limit:
        lines.append(f"\n… and {len(findings) - limit} more in the HTML report.")
    return lines


def render_markdown(report: Report) -> str:
    """The summary as Markdown text."""
    failed = report.failed()
    verdict = "❌ **FAIL**" if failed else "✅ **PASS**"
    partial = " (partial run: interrupted)" if report.partial else ""
    lines = [
        f"## linkcheck: {verdict}{partial}",
        "",
        f"Config `{md_escape(report.config, 200)}` · fail on `{report.fail_on}` · "
        f"{report.pages:,} pages · {report.links:,} links · {len(report.pairs):,} pairs · "
        f"{len(report.redirects):,} redirects",
        "",
        "| errors | warnings | info | accepted | new | fixed |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {report.count(Severity.ERROR)} | {report.count(Severity.WARNING)} "
        f"| {report.count(Severity.INFO)} | {report.accepted} "
        f"| {len(report.new) if report.previous else '–'} "
        f"| {len(report.fixed) if report.previous else '–'} |",
    ]
    if report.sites:
        lines += ["", "| site | upgraded | healthy pairs | coverage |", "|---|---:|---:|---:|"]
        for s in report.sites:
            coverage = "crawl only" if s.coverage is None else f"{s.coverage:.0%}"
            lines.append(f"| {md_escape(s.name)} | {s.upgraded} | {s.healthy_pairs} | {coverage} |")
    if report.previous:
        lines += ["", f"### New since the previous run ({md_escape(report.previous)})", ""]
        lines += _table(report, report.new, TOP) if report.new else ["Nothing new."]
        if report.fixed:
            lines += ["", f"Fixed since then: **{len(report.fixed)}**."]
    if report.findings:
        lines += ["", f"### Top findings ({min(TOP, len(report.findings))} of "]
        lines[-1] += f"{len(report.findings)})"
        lines += ["", *_table(report, report.findings, TOP)]
    else:
        lines += ["", "No findings."]
    return "\n".join(lines) + "\n"


def write_markdown(report: Report, path: Path) -> None:
    """Write `summary.md` atomically."""
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(render_markdown(report), encoding="utf-8", errors="replace")
    tmp.replace(path)
