"""The report of the real demo run in headless Chromium: what the page shows is what
`report.json` of the same run says (verdict, counts, and the rows left by each filter)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from support.browser import chromium, open_report, screenshot

from linkcheck.cli import main
from linkcheck.urls import decoded_path, display

pytestmark = pytest.mark.browser

GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
SEVERITIES = {"error": "errors", "warning": "warnings", "info": "infos"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real `linkcheck demo` run for the module (servers on 127.0.0.1, about a second)."""
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--output", str(out), "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def report(demo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((demo / "report.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def browser(demo: Path) -> Iterator[Any]:
    """Launched after the demo ran: its asyncio loop and Playwright's never overlap."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def findings_page(browser: Any, demo: Path) -> Iterator[Any]:
    page, events = open_report(browser, demo / "index.html")
    page.click("button[data-tab=findings]")
    yield page
    assert events.errors == [] and events.console_errors == []
    page.context.close()


def _wait_count(page: Any, count: int) -> None:
    """The search is debounced; wait for the table to settle (no eval: the CSP forbids it)."""
    expect(page.locator("#findings .pager").first).to_have_attribute(
        "data-count", str(count), timeout=5_000
    )


def _rows(page: Any) -> list[tuple[str, str]]:
    """(code, URL) of the findings rows shown, sorted."""
    cells = page.eval_on_selector_all(
        "#findings tbody tr.row",
        "rows => rows.map(r => [r.children[1].textContent, r.children[3].textContent])",
    )
    return sorted((code, url) for code, url in cells)


def _expected(report: dict[str, Any], severity: str = "", term: str = "") -> list[tuple[str, str]]:
    """(code, URL) of the findings of report.json a webmaster expects for a filter: the
    severity, and every word of the search in what the row shows (URLs as read, decoded)."""

    def text(finding: dict[str, Any]) -> str:
        sources = finding.get("details", {}).get("sources", [])
        parts = [finding["code"], finding["url"], finding["message"], finding.get("source") or ""]
        parts += sources
        return " ".join(parts + [display(p) for p in parts]).lower()

    return sorted(
        (f["code"], f["url"])
        for f in report["findings"]
        if (not severity or f["severity"] == severity)
        and all(word in text(f) for word in term.lower().split())
    )


def _greek_segments(report: dict[str, Any]) -> list[str]:
    """Every path segment in Greek script of the finding URLs."""
    return sorted(
        {
            segment
            for f in report["findings"]
            for segment in decoded_path(f["url"]).split("/")
            if GREEK.search(segment)
        }
    )


def _greek_words(report: dict[str, Any]) -> list[str]:
    """The last path segment of each finding URL written in Greek script."""
    return sorted(
        {
            segment
            for f in report["findings"]
            if GREEK.search(segment := decoded_path(f["url"]).rstrip("/").rsplit("/", 1)[-1])
        }
    )


def test_verdict_and_counts_are_those_of_report_json(
    browser: Any, demo: Path, report: dict[str, Any]
) -> None:
    page, events = open_report(browser, demo / "index.html")
    summary = report["summary"]
    assert report["run"]["failed"] is True  # the demo plants errors
    assert page.locator("#verdict").inner_text() == "FAIL"
    for severity, key in SEVERITIES.items():
        assert int(page.locator(f"#count-{severity}").inner_text()) == summary[key]
    assert int(page.locator("#count-accepted").inner_text()) == summary["accepted"]
    page.click("button[data-tab=findings]")
    _wait_count(page, len(report["findings"]))
    assert _rows(page) == _expected(report)
    assert events.errors == [] and events.console_errors == []
    assert events.requests == [(demo / "index.html").resolve().as_uri()]  # nothing else
    page.click("button[data-tab=overview]")
    screenshot(page, "demo-report-overview.png")
    page.click("button[data-tab=findings]")
    screenshot(page, "demo-report-findings.png")
    page.context.close()


@pytest.mark.parametrize("severity", ["error", "warning", "info"])
def test_severity_filter_leaves_the_findings_of_that_severity(
    findings_page: Any, report: dict[str, Any], severity: str
) -> None:
    findings_page.select_option("#f-severity", severity)
    expected = _expected(report, severity)
    assert len(expected) == report["summary"][SEVERITIES[severity]]
    _wait_count(findings_page, len(expected))
    assert _rows(findings_page) == expected


def test_search_by_code_leaves_that_codes_findings(
    findings_page: Any, report: dict[str, Any]
) -> None:
    findings_page.fill("#f-search", "L204")
    expected = _expected(report, term="L204")
    assert [code for code, _ in expected] == ["L204"]
    _wait_count(findings_page, len(expected))
    assert _rows(findings_page) == expected


def test_search_by_a_greek_word_of_a_url_finds_its_findings(
    findings_page: Any, report: dict[str, Any]
) -> None:
    """A webmaster types the Greek word they read in the address bar, not its %CE%.. form."""
    words = _greek_words(report)
    assert len(words) >= 2  # the demo plants problems on Greek-script URLs
    for word in words:
        findings_page.fill("#f-search", "")  # settle on all rows first: counts may repeat
        _wait_count(findings_page, len(report["findings"]))
        findings_page.fill("#f-search", word)
        expected = _expected(report, term=word)
        assert any(word in decoded_path(url) for _, url in expected)
        _wait_count(findings_page, len(expected))
        assert _rows(findings_page) == expected


def test_severity_filter_and_search_combine(findings_page: Any, report: dict[str, Any]) -> None:
    """A Greek folder name shared by findings of both severities, then only the warnings."""
    word = next(
        w
        for w in _greek_segments(report)
        if len(_expected(report, term=w)) > len(_expected(report, "warning", w)) > 0
    )
    findings_page.fill("#f-search", word)
    _wait_count(findings_page, len(_expected(report, term=word)))
    findings_page.select_option("#f-severity", "warning")
    expected = _expected(report, "warning", word)
    _wait_count(findings_page, len(expected))
    assert _rows(findings_page) == expected
    screenshot(findings_page, "demo-report-filtered.png")

    findings_page.fill("#f-search", "")
    _wait_count(findings_page, report["summary"]["warnings"])
    assert _rows(findings_page) == _expected(report, "warning")


def test_redirects_view_shows_the_states_of_report_json_and_no_alarm_on_healthy_ones(
    browser: Any, demo: Path, report: dict[str, Any]
) -> None:
    """A healthy rule whose target is relative or regex (`/en/articles/$1/`) is not red."""
    page, events = open_report(browser, demo / "index.html")
    page.click("button[data-tab=redirects]")
    states = page.eval_on_selector_all(
        "#redirects tbody tr.row", "rows => rows.map(r => r.children[8].textContent)"
    )
    expected = ["healthy" if r["healthy"] else "broken" for r in report["redirects"]]
    assert sorted(states) == sorted(expected) and set(expected) == {"healthy"}
    assert page.locator("#redirects tbody tr.row .bad").count() == 0
    assert events.errors == []
    page.context.close()
