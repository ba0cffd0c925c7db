"""`report.sarif`: SARIF 2.1.0 for findings that point at a line of the config (R codes,
and any other finding whose `source` is `file:line[:column]`), so code hosts annotate the
offending lines of `redirects.yaml` in a pull request.

Paths are relative to the repository root (the nearest folder above the config holding
`.git`), else to the config's folder, with `/` separators and percent-encoding, as GitHub code
scanning expects. Accepted findings carry a suppression with the reason.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from linkcheck.findings import CATALOGUE, Finding, Severity
from linkcheck.report import Report
from linkcheck.store import finding_key

__all__ = ["SARIF_SCHEMA", "file_position", "sarif_document", "write_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/linkcheck/linkcheck"
_POSITION = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<column>\d+))?$")
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def file_position(source: str | None) -> tuple[str, int, int | None] | None:
    """`(file, line, column)` of a `file:line[:column]` source; None for URLs and the rest."""
    if not source or "://" in source:
        return None
    match = _POSITION.match(source)
    if match is None or int(match["line"]) < 1:
        return None
    column = int(match["column"]) if match["column"] else None
    return match["file"], int(match["line"]), column


def _root_of(config: str) -> Path:
    """The repository root above the config, else the config's folder."""
    folder = Path(config).resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _uri(file: str, config: str, root: Path) -> str:
    path = Path(file)
    if not path.is_absolute():
        # sources are written relative to the config's folder (or as given on the command line)
        base = Path(config).resolve().parent
        path = (base / path) if not (Path.cwd() / path).exists() else (Path.cwd() / path)
    try:
        relative = os.path.relpath(path.resolve(), root)
    except ValueError:  # another drive on Windows
        relative = str(path)
    posix = PurePosixPath(*Path(relative).parts).as_posix()
    return quote(posix, safe="/")


def _rules(codes: list[str]) -> list[dict[str, Any]]:
    rules = []
    for code in codes:
        entry = CATALOGUE.get(code)
        if entry is None:
            rules.append({"id": code, "name": code})
            continue
        rule: dict[str, Any] = {
            "id": code,
            "name": "".join(w.capitalize() for w in re.split(r"\W+", entry.title) if w),
            "shortDescription": {"text": entry.title},
            "fullDescription": {"text": entry.help},
            "help": {"text": entry.help + (f"\n\n{entry.example}" if entry.example else "")},
            "defaultConfiguration": {"level": _LEVEL[entry.severity]},
            "properties": {"tags": ["linkcheck"]},
        }
        rules.append(rule)
    return rules


def _located(report: Report) -> Iterator[tuple[Finding, tuple[str, int, int | None]]]:
    for finding in report.findings:
        position = file_position(finding.source)
        if position is not None:
            yield finding, position


def sarif_document(report: Report) -> dict[str, Any]:
    """The SARIF log as a dict."""
    located = list(_located(report))
    codes = sorted({f.code for f, _ in located})
    index = {code: i for i, code in enumerate(codes)}
    root = _root_of(report.config)
    results = []
    for finding, (file, line, column) in located:
        col = column or finding.details.get("column")
        region: dict[str, int] = {"startLine": line}
        if isinstance(col, int) and col >= 1:
            region["startColumn"] = col
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": _LEVEL[finding.severity],
            "message": {"text": f"{finding.message} ({finding.url})"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(file, report.config, root)},
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {"linkcheckFinding/v1": finding_key(finding)},
        }
        accepted = finding.details.get("accepted")
        if accepted:
            why = accepted.get("why", "") if isinstance(accepted, dict) else ""
            result["suppressions"] = [{"kind": "external", "justification": str(why)}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "linkcheck",
                        "version": report.version,
                        "informationUri": INFORMATION_URI,
                        "rules": _rules(codes),
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": not report.partial,
                        "startTimeUtc": report.started,
                        "endTimeUtc": report.finished,
                    }
                ],
            }
        ],
    }


def write_sarif(report: Report, path: Path) -> None:
    """Write `report.sarif` atomically."""
    tmp = path.with_suffix(".sarif.tmp")
    text = json.dumps(sarif_document(report), ensure_ascii=False, indent=1)
    tmp.write_text(text + "\n", encoding="utf-8", errors="backslashreplace")
    tmp.replace(path)
