"""Writes the requested report formats into the output folder (one writer per format).

Each writer takes the finished `Report` and a path and writes atomically (temporary file,
then rename), so a reader never sees half a file. History (new/fixed since the previous run)
is already in the `Report` (run.py calls `store.with_history` first): writers only render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from linkcheck.report import Report
from linkcheck.report.html import write_html
from linkcheck.report.json import write_json
from linkcheck.report.junit import write_junit
from linkcheck.report.markdown import write_markdown
from linkcheck.report.sarif import write_sarif

__all__ = ["FILE_NAMES", "WRITERS", "write_reports"]

FILE_NAMES = {
    "html": "index.html",
    "json": "report.json",
    "junit": "junit.xml",
    "md": "summary.md",
    "sarif": "report.sarif",
}

WRITERS: dict[str, Callable[[Report, Path], None]] = {
    "html": write_html,
    "json": write_json,
    "junit": write_junit,
    "md": write_markdown,
    "sarif": write_sarif,
}


def write_reports(
    report: Report,
    output: Path,
    formats: Sequence[str],
) -> list[Path]:
    """Write each format in `formats` into `output` (created if missing); returns the paths."""
    output.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in dict.fromkeys(formats):
        path = output / FILE_NAMES[name]
        WRITERS[name](report, path)
        written.append(path)
    return written
