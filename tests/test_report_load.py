"""report.json read back into a Report renders the same findings, pairs and redirects."""

from __future__ import annotations

from pathlib import Path

from support.reports import sample_report

from linkcheck.report.json import report_to_dict, write_json
from linkcheck.report.load import load_report, report_from_dict


def test_a_report_survives_the_json_round_trip(tmp_path: Path) -> None:
    report = sample_report()
    write_json(report, tmp_path / "report.json")
    loaded = load_report(tmp_path / "report.json")
    assert loaded.findings == report.findings
    assert loaded.pairs == report.pairs
    assert [r.live for r in loaded.redirects] == [r.live for r in report.redirects]
    assert (loaded.failed(), loaded.accepted, loaded.pages) == (True, 1, 120)
    assert [s.coverage for s in loaded.sites] == [s.coverage for s in report.sites]


def test_unknown_keys_are_ignored_and_missing_ones_defaulted() -> None:
    data = report_to_dict(sample_report())
    data["future"] = {"x": 1}
    del data["pairs"]
    data["findings"][0]["severity"] = "catastrophic"
    loaded = report_from_dict(data)
    assert loaded.pairs == () and loaded.findings[0].severity.value == "error"


def test_redirect_health_and_site_prefixes_survive(tmp_path: Path) -> None:
    report = sample_report()
    loaded = report_from_dict(report_to_dict(report))
    assert [r.healthy for r in loaded.redirects] == [r.healthy for r in report.redirects]
    assert [s.new for s in loaded.sites] == [s.new for s in report.sites]
