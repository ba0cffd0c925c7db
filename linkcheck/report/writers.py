"""Writes the requested report formats into the output folder (one writer per format)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from linkcheck.report import Report
from linkcheck.report.json import write_json

FILE_NAMES = {
    "html": "index.html",
    "json": "report.json",
    "junit": "junit.xml",
    "md": "summary.md",
    "sarif": "report.sarif",
}


def write_reports(report: Report, output: Path, formats: Sequence[str]) -> list[Path]:
    """Write each format in `formats` into `output` (created if missing); returns the paths."""
    output.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in formats:
        path = output / FILE_NAMES[name]
        if name == "json":
            write_json(report, path)
        else:
            continue  # the other writers land with the report issue
        written.append(path)
    return written
