"""junit.xml: valid for CI test views, one failing case per failing finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from support.reports import sample_report

from linkcheck.findings import make_finding
from linkcheck.report import Report
from linkcheck.report.junit import write_junit

XSD = Path(__file__).parent / "data" / "junit-10.xsd"


def _write(report: Report, tmp_path: Path) -> ET.Element:
    path = tmp_path / "junit.xml"
    write_junit(report, path)
    _validate(path)
    return ET.parse(path).getroot()


def _validate(path: Path) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log


def _outcome(case: ET.Element) -> str:
    for tag in ("failure", "skipped"):
        if case.find(tag) is not None:
            return tag
    return "passed"


def _cases(root: ET.Element) -> dict[str, str]:
    return {c.get("name", ""): _outcome(c) for c in root.iter("testcase")}


def test_the_sample_report_is_valid_against_the_junit_schema(tmp_path: Path) -> None:
    root = _write(sample_report(), tmp_path)
    assert root.tag == "testsuites"
    report = sample_report()
    assert int(root.get("tests", "0")) >= len(report.findings)


def test_each_error_finding_is_one_failing_case(tmp_path: Path) -> None:
    report = sample_report()
    root = _write(report, tmp_path)
    failing = sorted(n for n, o in _cases(root).items() if o == "failure")
    expected = sorted(
        f"{f.code} {f.url}"
        for f in report.findings
        if f.severity.value == "error" and not report.is_accepted(f)
    )
    assert failing == expected
    assert int(root.get("failures", "0")) == len(expected)


def test_warnings_pass_with_their_message_and_accepted_ones_are_skipped(tmp_path: Path) -> None:
    root = _write(sample_report(), tmp_path)
    cases = {c.get("name", ""): c for c in root.iter("testcase")}
    warning = cases["L203 https://inter.example.org/en/articles/budget/"]
    assert _outcome(warning) == "passed"
    assert "similarity 0.21" in (warning.findtext("system-out") or "")
    accepted = cases["L201 https://old.example.org/en/News/2009/archive.html"]
    skipped = accepted.find("skipped")
    assert skipped is not None and "archive being restored" in skipped.get("message", "")


def test_fail_on_warning_makes_warnings_fail(tmp_path: Path) -> None:
    root = _write(sample_report(fail_on="warning"), tmp_path)
    assert _cases(root)["L203 https://inter.example.org/en/articles/budget/"] == "failure"


def test_suites_are_per_family_and_site(tmp_path: Path) -> None:
    root = _write(sample_report(), tmp_path)
    names = {s.get("name") for s in root.iter("testsuite")}
    assert {"links (en)", "links (other)", "legacy counterparts (fr)", "redirect map (en)"} <= names
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(_outcome(c) == "failure" for c in cases)


def test_a_clean_run_has_a_passing_case_per_family(tmp_path: Path) -> None:
    root = _write(sample_report(findings=()), tmp_path)
    assert set(_cases(root).values()) == {"passed"}
    assert len(list(root.iter("testsuite"))) == 5


@pytest.mark.parametrize("garbage", ["\x00\x1b[31m", "\ud800 lone surrogate", "\x0c\ufffe"])
def test_characters_xml_forbids_do_not_break_the_file(tmp_path: Path, garbage: str) -> None:
    finding = make_finding("C100", f"https://x.org/{garbage}", f"title {garbage}")
    root = _write(replace(sample_report(), findings=(finding,)), tmp_path)
    assert any("title" in (c.findtext("failure") or "") for c in root.iter("testcase"))


def test_the_schema_rejects_a_suite_without_counts(tmp_path: Path) -> None:
    """The validation above is not vacuous: a suite missing `tests` is refused."""
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    bad = etree.fromstring(
        b'<testsuites><testsuite name="x" failures="0" errors="0"/></testsuites>'
    )
    assert not schema.validate(bad)
