"""The HTML report in real headless Chromium: verdict, counts, filters, search, and no script
from the web ever runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from support.browser import chromium, open_report, screenshot
from support.reports import XSS_TITLE, XSS_URL, sample_report

from linkcheck.findings import Severity, make_finding
from linkcheck.report import Report
from linkcheck.report.writers import write_reports

pytestmark = pytest.mark.browser

FILLER = 430  # enough for three pages of 200 rows


def _report() -> Report:
    base = sample_report()
    filler = tuple(
        make_finding(
            "C102",
            f"https://inter.example.org/en/page-{i}/",
            f"link to a redirect number {i}",
            source="https://inter.example.org/en/",
        )
        for i in range(FILLER)
    )
    fixed = (make_finding("C100", "https://inter.example.org/en/repaired/", "broken link: 404"),)
    return replace(
        base,
        findings=(*base.findings, *filler),
        new=base.findings[:2],
        fixed=fixed,
        previous="2026-11-26T22:00:00+00:00",
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_reports(_report(), out, ["html"])
    return out / "index.html"


def _count(page: Any, section: str) -> int:
    return int(page.locator(f"#{section} .pager").first.get_attribute("data-count"))


def _wait_count(page: Any, section: str, count: int) -> None:
    """The search is debounced; wait for the table to settle (no eval: the CSP forbids it)."""
    expect(page.locator(f"#{section} .pager").first).to_have_attribute(
        "data-count", str(count), timeout=5_000
    )


def _column(page: Any, section: str, index: int) -> list[str]:
    return page.eval_on_selector_all(
        f"#{section} tbody tr.row",
        f"rows => rows.map(r => r.children[{index}].textContent)",
    )


def test_verdict_and_counts_are_shown(browser: Any, report_file: Path) -> None:
    page, events = open_report(browser, report_file)
    report = _report()
    assert page.locator("#verdict").inner_text() == "FAIL"
    for severity in Severity:
        shown = page.locator(f"#count-{severity.value}").inner_text()
        assert int(shown) == report.count(severity)
    assert page.locator("#count-accepted").inner_text() == "1"
    assert page.locator("#count-new").inner_text() == "2"
    assert events.errors == [] and events.console_errors == []
    assert events.requests == [report_file.resolve().as_uri()]  # self-contained: nothing else
    screenshot(page, "report-overview.png")


def test_severity_filter_and_search_narrow_the_rows(browser: Any, report_file: Path) -> None:
    page, events = open_report(browser, report_file)
    page.click("button[data-tab=findings]")
    report = _report()
    assert _count(page, "findings") == len(report.findings)
    assert page.locator("#findings tbody tr.row").count() == 200

    page.select_option("#f-severity", "error")
    assert _count(page, "findings") == report.count(Severity.ERROR)
    assert set(_column(page, "findings", 0)) <= {"error", "errornew"}

    page.select_option("#f-severity", "warning")
    page.fill("#f-search", "budget")
    _wait_count(page, "findings", 1)
    assert _column(page, "findings", 3) == ["https://inter.example.org/en/articles/budget/"]

    page.select_option("#f-severity", "")
    page.fill("#f-search", "page-42/")
    _wait_count(page, "findings", 1)
    assert _column(page, "findings", 3) == ["https://inter.example.org/en/page-42/"]
    screenshot(page, "report-findings-filtered.png")

    page.fill("#f-search", "")
    page.select_option("#f-severity", "accepted")
    assert _column(page, "findings", 1) == ["L201"]
    assert events.errors == []


def test_pages_sort_and_code_filter(browser: Any, report_file: Path) -> None:
    page, _ = open_report(browser, report_file)
    page.click("button[data-tab=findings]")
    page.click("#findings button:has-text('next')")
    page.click("#findings button:has-text('next')")
    total = len(_report().findings)
    assert page.locator("#findings tbody tr.row").count() == total - 400
    page.click("#findings th:has-text('code')")
    codes = _column(page, "findings", 1)
    assert codes == sorted(codes) and codes[0] == "C100"
    page.select_option("#f-code", "R302")
    assert _column(page, "findings", 1) == ["R302"]


def test_new_fixed_pairs_and_redirects_views(browser: Any, report_file: Path) -> None:
    page, _ = open_report(browser, report_file)
    page.click("button[data-tab=new]")
    assert _column(page, "new", 3) == [
        "https://inter.example.org/en/missing/",
        "https://inter.example.org/en/old-link/",
    ]
    page.click("button[data-tab=fixed]")
    assert _column(page, "fixed", 3) == ["https://inter.example.org/en/repaired/"]
    page.click("button[data-tab=pairs]")
    page.check("#p-broken")
    assert _column(page, "pairs", 1) == ["https://fr.example.org/fr/articles/reunion/"]
    page.click("button[data-tab=redirects]")
    assert _column(page, "redirects", 8) == ["healthy", "broken", "invalid"]


def test_hostile_title_and_url_are_text_and_never_run(browser: Any, report_file: Path) -> None:
    page, events = open_report(browser, report_file)
    page.click("button[data-tab=findings]")
    page.fill("#f-search", "pwned")
    _wait_count(page, "findings", 1)
    row = page.locator("#findings tbody tr.row").first
    assert row.locator("td").nth(3).text_content() == XSS_URL
    assert XSS_TITLE in (row.locator("td").nth(4).text_content() or "")
    assert row.locator("td").nth(3).locator("a").count() == 0  # javascript: is never a link
    assert row.locator("b, img, script").count() == 0
    row.click()  # the detail row renders the same text
    detail = page.locator("#findings tr.detail")
    assert XSS_URL in (detail.text_content() or "")
    assert detail.locator("img, script").count() == 0
    hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    page.wait_for_timeout(200)  # give any injected handler (onerror) its chance to fire
    assert page.evaluate("window.__pwned") is None
    assert events.dialogs == [] and events.errors == []
    screenshot(page, "report-hostile.png")


READABLE = {
    "https://ru.example.org/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/": "https://ru.example.org/новости/",
    "https://el.example.org/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/": "https://el.example.org/άρθρα/",
    "https://x.example.org/%E2%80%AEexe.txt": "https://x.example.org/%E2%80%AEexe.txt",  # bidi
    "https://x.example.org/a%20b": "https://x.example.org/a%20b",  # invisible once decoded
    "https://x.example.org/%E2%80": "https://x.example.org/%E2%80",  # not UTF-8
}


def test_urls_read_as_letters_unless_that_would_hide_or_reorder_characters(
    browser: Any, tmp_path: Path
) -> None:
    findings = tuple(make_finding("C100", url, "broken link: 404") for url in READABLE)
    write_reports(replace(sample_report(), findings=findings), tmp_path, ["html"])
    page, events = open_report(browser, tmp_path / "index.html")
    page.click("button[data-tab=findings]")
    links = page.eval_on_selector_all(
        "#findings tbody tr.row td.url a",
        "links => links.map(a => [a.getAttribute('href'), a.textContent])",
    )
    assert dict(links) == READABLE
    assert events.errors == []
    page.context.close()
