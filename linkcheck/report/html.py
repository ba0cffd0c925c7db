"""`index.html`: the self-contained report a webmaster opens every morning.

One file, nothing external (no scripts, styles, fonts or images from elsewhere), readable
from `file://` and as a CI artifact. The header, the per-site overview and the charts are
rendered here with Jinja2 (autoescape on); the big tables (findings, pairs, redirects, new,
fixed) travel as JSON in `<script type="application/json">` and are drawn by the inline script
a page at a time, so 50,000 findings open and filter without freezing.

Safety: everything that came from the web is text. The JSON has every `<` escaped (so no
`</script>` or `<!--` can end the block), the script builds the DOM with `textContent` only
and makes links of http(s) URLs only, and a Content-Security-Policy allows no script but the
report's own (by hash), so an injected `<script>` would not run even if escaping failed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from linkcheck.findings import CATALOGUE, Finding, Severity
from linkcheck.report import Report, RunSummary
from linkcheck.report.sites import SiteIndex
from linkcheck.report.stats import status_counts, time_histogram

__all__ = ["embed_json", "render_html", "write_html"]

TEMPLATES = Path(__file__).parent / "templates"
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_SEV_INDEX = {s: i for i, s in enumerate(SEVERITIES)}


def embed_json(data: Any) -> str:
    """JSON safe inside `<script type="application/json">`: no `<` survives, so neither
    `</script>` nor `<!--` can appear; lone surrogates from bad input become `\\udcXX`."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _asset(name: str) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if "</" in text or "<!--" in text:  # would end the inline <script>/<style> early
        raise ValueError(f"{name} must not contain '</' or '<!--'")
    return text


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


# --------------------------------------------------------------------------- numbers


def _parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _duration(report: Report) -> str:
    start, end = _parse_time(report.started), _parse_time(report.finished)
    if start is None or end is None:
        return ""
    try:
        elapsed = max(0.0, (end - start).total_seconds())
    except TypeError:  # one aware, one naive
        return ""
    if elapsed < 10:  # a short run: "0.4 s" or "under 1 s", never "0 s"
        if start.microsecond or end.microsecond:
            return f"{elapsed:.1f} s"
        if elapsed < 1:  # whole-second timestamps: the crawl's own clock tells more
            crawl = report.stats.get("crawl_seconds")
            if isinstance(crawl, int | float) and 0 < crawl < 1:
                return f"under 1 s (crawl {crawl:.2f} s)"
            return "under 1 s"
    seconds = int(elapsed)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _identity(finding: Finding) -> tuple[str, str, str | None, str]:
    return finding.code, finding.url, finding.source, finding.message


def _finding_row(finding: Finding, site: str, new: bool) -> list[Any]:
    details = dict(finding.details)
    details.pop("site", None)
    return [
        _SEV_INDEX.get(finding.severity, 0),
        finding.code,
        site,
        finding.url,
        finding.message,
        finding.source or "",
        details or 0,
        1 if new else 0,
    ]


def _data(report: Report, index: SiteIndex, sites_of: Sequence[str]) -> dict[str, Any]:
    new_ids = {_identity(f) for f in report.new}
    codes = sorted({f.code for f in report.findings} | {f.code for f in report.fixed})
    return {
        "findings": [
            _finding_row(f, site, _identity(f) in new_ids)
            for f, site in zip(report.findings, sites_of, strict=True)
        ],
        "fixed": [_finding_row(f, index.site_of(f), False) for f in report.fixed],
        "pairs": [
            [p.site, p.upgraded, p.legacy or "", p.status, p.similarity, 1 if p.healthy else 0]
            for p in report.pairs
        ],
        "redirects": [
            [
                f"{r.file}:{r.line}",
                r.source,
                r.target or "",
                r.status,
                1 if r.valid else 0,
                None if r.live is None else r.live.status,
                None if r.live is None else (r.live.location or ""),
                [] if r.live is None else list(r.live.hops),
                None if r.live is None else r.live.final_status,
                None if r.healthy is None else (1 if r.healthy else 0),
            ]
            for r in report.redirects
        ],
        "catalogue": {
            code: [CATALOGUE[code].title, CATALOGUE[code].help]
            for code in codes
            if code in CATALOGUE
        },
        "sites": sorted({s for s in sites_of if s} | {s.name for s in report.sites}),
    }


def _site_rows(report: Report, index: SiteIndex, sites_of: Sequence[str]) -> list[dict[str, Any]]:
    by_site: dict[str, Counter[str]] = {}
    severity_by_site: dict[str, Counter[str]] = {}
    for finding, site in zip(report.findings, sites_of, strict=True):
        by_site.setdefault(site, Counter())[finding.code] += 1
        if not report.is_accepted(finding):
            severity_by_site.setdefault(site, Counter())[finding.severity.value] += 1
    live: dict[str, Counter[str]] = {}
    for record in report.redirects:
        if record.healthy is not None:
            counter = live.setdefault(index.site_of_redirect(record), Counter())
            counter["healthy" if record.healthy else "broken"] += 1
    rows = []
    for summary in report.sites:
        checked = live.get(summary.name, Counter())
        rows.append(
            {
                "name": summary.name,
                "new": summary.new or "",
                "pages": summary.pages,
                "links": summary.links,
                "upgraded": summary.upgraded,
                "healthy_pairs": summary.healthy_pairs,
                "broken_pairs": summary.broken_pairs or (summary.upgraded - summary.healthy_pairs),
                "coverage": summary.coverage,
                "redirects_ok": checked["healthy"],
                "redirects_broken": checked["broken"],
                "errors": severity_by_site.get(summary.name, Counter())["error"],
                "warnings": severity_by_site.get(summary.name, Counter())["warning"],
                **_top_codes(by_site.get(summary.name, Counter())),
            }
        )
    others = by_site.get("", Counter())
    if others or "" in live:  # findings or rules of no site: the rows add up to the header
        rows.append(
            {
                "name": "",
                "new": "",
                "pages": None,
                "links": None,
                "upgraded": None,
                "healthy_pairs": None,
                "broken_pairs": None,
                "coverage": None,
                "redirects_ok": live.get("", Counter())["healthy"],
                "redirects_broken": live.get("", Counter())["broken"],
                "errors": severity_by_site.get("", Counter())["error"],
                "warnings": severity_by_site.get("", Counter())["warning"],
                **_top_codes(others),
            }
        )
    return rows


SITE_CODES = 8
"""Codes listed per site in the overview (the most frequent); the codes table has them all."""


def _top_codes(counts: Counter[str]) -> dict[str, Any]:
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:SITE_CODES]
    return {"codes": top, "more_codes": max(0, len(counts) - SITE_CODES)}


def _codes(report: Report) -> list[dict[str, Any]]:
    counts = Counter(f.code for f in report.findings)
    severity = {f.code: f.severity.value for f in report.findings}
    return [
        {
            "code": code,
            "count": n,
            "severity": severity[code],
            "title": CATALOGUE[code].title if code in CATALOGUE else "",
        }
        for code, n in sorted(counts.items())
    ]


# --------------------------------------------------------------------------- charts


def _status_class(label: str) -> str:
    return f"s{label[0]}xx" if label[:1].isdigit() else "serr"


def _hbars(items: Sequence[tuple[str, int]], width: int = 320) -> dict[str, Any]:
    """Horizontal bars: one row of 18 px per item, label left, value right."""
    top = max((n for _l, n in items), default=0) or 1
    label_w, value_w, row = 70, 60, 18
    bar_space = width - label_w - value_w
    bars = [
        {
            "label": label,
            "value": n,
            "y": i * row,
            "w": max(1, round(bar_space * n / top)) if n else 0,
            "cls": _status_class(label),
        }
        for i, (label, n) in enumerate(items)
    ]
    return {"bars": bars, "width": width, "height": max(row, len(items) * row), "x0": label_w}


def _vbars(items: Sequence[tuple[str, int]], width: int = 320, height: int = 140) -> dict[str, Any]:
    top = max((n for _l, n in items), default=0) or 1
    slot = width / max(1, len(items))
    plot = height - 20
    bars = []
    for i, (label, n) in enumerate(items):
        h = round(plot * n / top) if n else 0
        bars.append(
            {
                "label": label,
                "value": n,
                "x": round(i * slot + 2, 1),
                "w": round(slot - 4, 1),
                "y": plot - h,
                "h": h,
                "cx": round(i * slot + slot / 2, 1),
            }
        )
    return {"bars": bars, "width": width, "height": height, "base": plot}


TREND_BAR = 36
"""Widest bar of the trend chart (px): one or two runs draw slim bars, not wide slabs."""


def _trend(history: Sequence[RunSummary], width: int = 320, height: int = 140) -> dict[str, Any]:
    """Stacked bars of errors and warnings per run, a scale (the top value) at the left."""
    runs = list(history)
    top = max((r.errors + r.warnings for r in runs), default=0) or 1
    x0 = 28  # room for the scale
    slot = (width - x0) / max(1, len(runs))
    bar = max(1.0, min(float(TREND_BAR), round(slot - 2, 1)))
    plot = height - 20
    bars = []
    for i, run in enumerate(runs):
        he = round(plot * run.errors / top)
        hw = round(plot * run.warnings / top)
        bars.append(
            {
                "x": round(x0 + i * slot + (slot - bar) / 2, 1),
                "w": bar,
                "ye": plot - he,
                "he": he,
                "yw": plot - he - hw,
                "hw": hw,
                "run": run,
            }
        )
    first = runs[0].started[:10] if runs else ""
    last = runs[-1].started[:10] if runs else ""
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "base": plot,
        "x0": x0,
        "top": top,
        "first": first,
        "last": last if last != first else "",
        "single": runs[0] if len(runs) == 1 else None,
    }


# --------------------------------------------------------------------------- rendering


def _context(report: Report) -> dict[str, Any]:
    index = SiteIndex.of(report.sites)
    sites_of = [index.site_of(f) for f in report.findings]
    script = _asset("report.js")
    redirects_checked = [r for r in report.redirects if r.healthy is not None]
    return {
        "r": report,
        "failed": report.failed(),
        "counts": {s.value: report.count(s) for s in SEVERITIES},
        "accepted": report.accepted,
        "total": len(report.findings),
        "duration": _duration(report),
        "pairs_healthy": sum(1 for p in report.pairs if p.healthy),
        "pairs_broken": sum(1 for p in report.pairs if not p.healthy),
        "redirects_invalid": sum(1 for r in report.redirects if not r.valid),
        "redirects_healthy": sum(1 for r in redirects_checked if r.healthy),
        "redirects_broken": sum(1 for r in redirects_checked if not r.healthy),
        "sites": _site_rows(report, index, sites_of),
        "codes": _codes(report),
        "status_chart": _hbars(status_counts(report.stats)),
        "time_chart": _vbars(time_histogram(report.stats), width=400),
        "trend_chart": _trend(report.history),
        "data": embed_json(_data(report, index, sites_of)),
        "script": script,
        "style": _asset("report.css"),
        "script_hash": _csp_hash(script),
    }


def render_html(report: Report) -> str:
    """The whole `index.html` as text."""
    return _environment().get_template("index.html.j2").render(_context(report))


def write_html(report: Report, path: Path) -> None:
    """Write `index.html` atomically (a temporary file renamed)."""
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(report), encoding="utf-8", errors="backslashreplace")
    tmp.replace(path)
