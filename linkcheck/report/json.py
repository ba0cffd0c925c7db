"""`report.json`, exactly the shape of DESIGN.md §5 (keys are only ever added)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from linkcheck.findings import Severity
from linkcheck.report import Report


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON document as a dict."""
    return {
        "tool": {"name": "linkcheck", "version": report.version},
        "run": {
            "started": report.started,
            "finished": report.finished,
            "config": report.config,
            "partial": report.partial,
            "fail_on": report.fail_on,
            "failed": report.failed(),
        },
        "summary": {
            "pages": report.pages,
            "links": report.links,
            "pairs": len(report.pairs),
            "redirects": len(report.redirects),
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            "accepted": report.accepted,
        },
        "sites": [
            {
                "name": s.name,
                "upgraded": s.upgraded,
                "healthy_pairs": s.healthy_pairs,
                "coverage": s.coverage,
                "pages": s.pages,
                "links": s.links,
                "new": s.new,
                "legacy": s.legacy,
            }
            for s in report.sites
        ],
        "findings": [f.to_json() for f in report.findings],
        "changes": {
            "previous": report.previous,
            "new": [f.to_json() for f in report.new],
            "fixed": [f.to_json() for f in report.fixed],
        },
        "pairs": [
            {
                "site": p.site,
                "upgraded": p.upgraded,
                "legacy": p.legacy,
                "status": p.status,
                "similarity": p.similarity,
                "healthy": p.healthy,
            }
            for p in report.pairs
        ],
        "redirects": [
            {
                "from": r.source,
                "to": r.target,
                "status": r.status,
                "line": r.line,
                "file": r.file,
                "valid": r.valid,
                "healthy": r.healthy,
                "live": None
                if r.live is None
                else {
                    "status": r.live.status,
                    "location": r.live.location,
                    "hops": list(r.live.hops),
                    "final_status": r.live.final_status,
                },
            }
            for r in report.redirects
        ],
    }


def write_json(report: Report, path: Path) -> None:
    """Write `report.json` atomically (a temporary file renamed), so no reader sees half."""
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(report_to_dict(report), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    tmp.replace(path)
