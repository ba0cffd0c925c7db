"""write_reports: every format on disk, and history between two runs shown as new then fixed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from support.reports import sample_report

from linkcheck.findings import make_finding
from linkcheck.report import Report
from linkcheck.report.writers import FILE_NAMES, write_reports
from linkcheck.store import with_history

GONE = make_finding("C100", "https://inter.example.org/en/vanished/", "broken link: 410 Gone")


def _with_state(
    report: Report,
    out: Path,
    formats: list[str],
    *,
    state: Path,
    warn: Callable[[str], None] | None = None,
) -> list[Path]:
    """What run.py does: compare with and record in the state file, then write."""
    return write_reports(with_history(report, state, warn=warn), out, formats)


def _data(path: Path) -> dict[str, list[list[object]]]:
    html = path.read_text(encoding="utf-8")
    match = re.search(r'id="lc-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_the_current_call_writes_the_requested_formats(tmp_path: Path) -> None:
    formats = ["html", "json", "junit", "md", "sarif"]
    written = write_reports(sample_report(), tmp_path / "out", formats)
    assert [p.name for p in written] == [FILE_NAMES[f] for f in formats]
    assert all(p.stat().st_size > 0 for p in written)
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_repeated_formats_are_written_once(tmp_path: Path) -> None:
    assert len(write_reports(sample_report(), tmp_path, ["md", "md"])) == 1


def test_a_finding_is_new_then_fixed_across_runs(tmp_path: Path) -> None:
    out, state = tmp_path / "reports", tmp_path / "reports" / "linkcheck.sqlite"
    base = sample_report()
    _with_state(replace(base, started="2026-11-25T22:00:00"), out, ["html", "md"], state=state)
    assert _data(out / "index.html")["fixed"] == []

    with_gone = replace(base, started="2026-11-26T22:00:00", findings=(*base.findings, GONE))
    _with_state(with_gone, out, ["html", "md"], state=state)
    rows = _data(out / "index.html")["findings"]
    assert [r[3] for r in rows if r[7]] == [GONE.url]
    assert GONE.url.replace(".", "\\.").replace("-", "\\-") in (out / "summary.md").read_text()
    assert '<b id="count-new">1</b>' in (out / "index.html").read_text()

    _with_state(replace(base, started="2026-11-27T22:00:00"), out, ["html", "md"], state=state)
    data = _data(out / "index.html")
    assert [r[3] for r in data["fixed"]] == [GONE.url]
    assert not any(r[7] for r in data["findings"])
    assert '<b id="count-fixed">1</b>' in (out / "index.html").read_text()
    assert "Fixed since then: **1**" in (out / "summary.md").read_text()


def test_a_corrupt_state_file_still_writes_every_report(tmp_path: Path) -> None:
    state = tmp_path / "linkcheck.sqlite"
    state.write_bytes(b"garbage" * 1000)
    warnings: list[str] = []
    written = _with_state(
        sample_report(), tmp_path, ["html", "json"], state=state, warn=warnings.append
    )
    assert len(written) == 2 and warnings


@pytest.mark.parametrize("name", ["html", "json", "junit", "md", "sarif"])
def test_each_writer_survives_an_empty_run(tmp_path: Path, name: str) -> None:
    empty = sample_report(findings=(), pairs=(), redirects=(), sites=(), stats={})
    [path] = write_reports(empty, tmp_path, [name])
    assert path.exists()


def test_report_json_lists_the_changes_since_the_previous_run(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite"
    base = sample_report()
    _with_state(replace(base, started="2026-11-25T00:00:00"), tmp_path, ["json"], state=state)
    later = replace(base, started="2026-11-26T00:00:00", findings=(*base.findings, GONE))
    _with_state(later, tmp_path, ["json"], state=state)
    changes = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["changes"]
    assert changes["previous"] == "2026-11-25T00:00:00"
    assert [f["url"] for f in changes["new"]] == [GONE.url] and changes["fixed"] == []


def test_a_run_loads_a_writer_only_for_the_formats_it_writes(tmp_path: Path) -> None:
    """Jinja2 and the HTML templates cost every run's start; JSON alone does not need them."""
    import subprocess
    import sys

    code = (
        "import sys; import linkcheck.run; "
        "assert 'jinja2' not in sys.modules and 'linkcheck.report.html' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
