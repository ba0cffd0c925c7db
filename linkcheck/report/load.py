"""`report.json` back into a `Report`, so a saved run can be rendered again (another format,
a newer template) without checking again. Unknown keys are ignored, missing ones defaulted:
the JSON contract only ever grows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from linkcheck.findings import Finding, Severity
from linkcheck.report import LiveRedirect, PairRecord, RedirectRecord, Report, SiteSummary

__all__ = ["load_report", "report_from_dict"]


def _finding(data: Mapping[str, Any]) -> Finding:
    try:
        severity = Severity(data.get("severity", "error"))
    except ValueError:
        severity = Severity.ERROR
    return Finding(
        str(data.get("code", "")),
        severity,
        str(data.get("url", "")),
        str(data.get("message", "")),
        data.get("source"),
        dict(data.get("details") or {}),
    )


def _redirect(data: Mapping[str, Any]) -> RedirectRecord:
    live = data.get("live")
    return RedirectRecord(
        source=str(data.get("from", "")),
        target=data.get("to"),
        status=int(data.get("status") or 0),
        line=int(data.get("line") or 0),
        file=str(data.get("file", "")),
        valid=bool(data.get("valid", True)),
        live=None
        if not live
        else LiveRedirect(
            live.get("status"),
            live.get("location"),
            tuple(live.get("hops") or ()),
            live.get("final_status"),
        ),
        healthy=data.get("healthy"),
    )


def report_from_dict(data: Mapping[str, Any]) -> Report:
    """The `Report` a `report.json` document describes."""
    run = data.get("run") or {}
    summary = data.get("summary") or {}
    return Report(
        version=str((data.get("tool") or {}).get("version", "")),
        started=str(run.get("started", "")),
        finished=str(run.get("finished", "")),
        config=str(run.get("config", "")),
        partial=bool(run.get("partial", False)),
        pages=int(summary.get("pages") or 0),
        links=int(summary.get("links") or 0),
        findings=tuple(_finding(f) for f in data.get("findings") or ()),
        pairs=tuple(
            PairRecord(
                str(p.get("site", "")),
                str(p.get("upgraded", "")),
                p.get("legacy"),
                p.get("status"),
                p.get("similarity"),
                bool(p.get("healthy", False)),
            )
            for p in data.get("pairs") or ()
        ),
        redirects=tuple(_redirect(r) for r in data.get("redirects") or ()),
        sites=tuple(
            SiteSummary(
                str(s.get("name", "")),
                upgraded=int(s.get("upgraded") or 0),
                healthy_pairs=int(s.get("healthy_pairs") or 0),
                coverage=s.get("coverage"),
                pages=int(s.get("pages") or 0),
                links=int(s.get("links") or 0),
                new=s.get("new"),
                legacy=s.get("legacy"),
            )
            for s in data.get("sites") or ()
        ),
        fail_on=str(run.get("fail_on", "error")),
    )


def load_report(path: Path) -> Report:
    """Read a `report.json` file."""
    return report_from_dict(json.loads(path.read_text(encoding="utf-8")))
