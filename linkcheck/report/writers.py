"""Writes the requested report formats into the output folder (one writer per format).

Each writer takes the finished `Report` and a path and writes atomically (temporary file,
then rename), so a reader never sees half a file. History (new/fixed since the previous run)
is already in the `Report` (run.py calls `store.with_history` first): writers only render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from linkcheck.report import Report

__all__ = ["FILE_NAMES", "WRITERS", "write_reports"]

FILE_NAMES = {
    "html": "index.html",
    "json": "report.json",
    "junit": "junit.xml",
    "md": "summary.md",
    "sarif": "report.sarif",
}


def _on_use(module: str, function: str) -> Callable[[Report, Path], None]:
    """A writer imported when a report of its format is written: a check asked for JSON
    does not load Jinja2 and the HTML templates (about 15 ms of every run's start)."""

    def write(report: Report, path: Path) -> None:
        getattr(import_module(f"linkcheck.report.{module}"), function)(report, path)

    return write


WRITERS: dict[str, Callable[[Report, Path], None]] = {
    "html": _on_use("html", "write_html"),
    "json": _on_use("json", "write_json"),
    "junit": _on_use("junit", "write_junit"),
    "md": _on_use("markdown", "write_markdown"),
    "sarif": _on_use("sarif", "write_sarif"),
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
