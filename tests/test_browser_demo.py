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
    """(code, URL as shown) of the findings rows shown, sorted."""
    cells = page.eval_on_selector_all(
        "#findings tbody tr.row",
        "rows => rows.map(r => [r.children[1].textContent, r.children[3].textContent])",
    )
    return sorted((code, url) for code, url in cells)


def _expected(report: dict[str, Any], severity: str = "", term: str = "") -> list[tuple[str, str]]:
    """(code, readable URL) of the findings of report.json a webmaster expects for a filter: the
    severity, and every word of the search in what the row shows (URLs as read, decoded)."""

    def text(finding: dict[str, Any]) -> str:
        details = finding.get("details", {})
        parts = [finding["code"], finding["url"], finding["message"], finding.get("source") or ""]
        parts += [details.get("legacy") or "", *details.get("sources", [])]
        return " ".join(parts + [display(p) for p in parts]).lower()

    return sorted(
        (f["code"], display(f["url"]))
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
        assert any(word in url for _, url in expected)
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


def _links(page: Any, section: str, column: int) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        f"#{section} tbody tr.row td:nth-child({column + 1}) a",
        "links => links.map(a => [a.textContent, a.getAttribute('href')])",
    )


def test_greek_urls_read_as_letters_and_link_to_the_encoded_address(
    browser: Any, demo: Path, report: dict[str, Any]
) -> None:
    """The link text is what the address bar shows; the href is the URL as fetched."""
    page, events = open_report(browser, demo / "index.html")
    page.click("button[data-tab=findings]")
    greek = {
        display(f["url"]): f["url"] for f in report["findings"] if GREEK.search(display(f["url"]))
    }
    assert greek and all("%CE" in url for url in greek.values())
    shown = dict(_links(page, "findings", 3))
    assert {text: shown[text] for text in greek} == greek
    page.click("button[data-tab=pairs]")
    pairs = [tuple(x) for x in _links(page, "pairs", 1) + _links(page, "pairs", 2)]
    expected = {
        (display(p[k]), p[k]) for p in report["pairs"] for k in ("upgraded", "legacy") if p[k]
    }
    assert set(pairs) == expected
    assert any(GREEK.search(text) and "%CE" in href for text, href in pairs)
    assert events.errors == []
    page.context.close()


def _hop_links(page: Any, section: str) -> list[tuple[str, str]]:
    return [
        tuple(x)
        for x in page.eval_on_selector_all(
            f"#{section} tr.detail li a",
            "links => links.map(a => [a.getAttribute('href'), a.closest('li').textContent])",
        )
    ]


def test_hops_are_text_with_each_url_its_own_link(
    browser: Any, demo: Path, report: dict[str, Any]
) -> None:
    """`A --[302]--> B` is two links and the status between them, never one bogus href."""
    page, events = open_report(browser, demo / "index.html")
    page.click("button[data-tab=findings]")
    page.fill("#f-search", "L204")
    finding = next(f for f in report["findings"] if f["code"] == "L204")
    _wait_count(page, 1)
    page.locator("#findings tbody tr.row").first.click()
    source, status, target = finding["details"]["hops"][0].split(" ")
    hrefs = [href for href, _ in _hop_links(page, "findings")]
    assert hrefs == [source, target]
    text = _hop_links(page, "findings")[0][1]
    assert text == f"{display(source)} ({status[3:-4]}) → {display(target)}"

    page.click("button[data-tab=redirects]")
    rule = next(i for i, r in enumerate(report["redirects"]) if r["live"] and r["live"]["hops"])
    hops = report["redirects"][rule]["live"]["hops"]
    row = page.locator("#redirects tbody tr.row").nth(rule)
    row.click()
    hrefs = [href for href, _ in _hop_links(page, "redirects")]
    assert hrefs == [u for h in hops for u in (h.split(" ")[0], h.split(" ")[-1])]
    all_hrefs = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
    assert not any("--[" in h or " " in h for h in all_hrefs)
    assert events.errors == []
    page.context.close()


def test_url_column_is_wide_and_urls_wrap_at_slashes(browser: Any, demo: Path) -> None:
    """URLs get room and wrap between path segments, not in the middle of a word."""
    page, events = open_report(browser, demo / "index.html")
    page.click("button[data-tab=findings]")
    widths = page.eval_on_selector_all(
        "#findings tbody tr.row:first-child td",
        "cells => cells.map(c => [c.className, c.getBoundingClientRect().width])",
    )
    width = dict((cls or str(i), w) for i, (cls, w) in enumerate(widths))
    assert width["url"] >= 300 and width["url"] >= 0.45 * width["msg"]
    shapes = page.eval_on_selector_all(
        "#findings td.url a",
        "links => links.map(a => [a.textContent, a.innerHTML.split('<wbr>').length - 1])",
    )
    for text, breaks in shapes:
        assert breaks == text.count("/") - 2  # after each path "/", none inside "//"
    assert events.errors == []
    page.context.close()


def test_pairing_findings_show_their_legacy_page_where_a_source_would_be(
    browser: Any, demo: Path, report: dict[str, Any]
) -> None:
    page, events = open_report(browser, demo / "index.html")
    page.click("button[data-tab=findings]")
    cells = page.eval_on_selector_all(
        "#findings tbody tr.row",
        "rows => rows.map(r => [r.children[3].querySelector('a').getAttribute('href'),"
        " r.children[5].textContent, (r.children[5].querySelector('a') || {}).href || null])",
    )
    by_url = {url: (text, href) for url, text, href in cells}
    pairing = [f for f in report["findings"] if f["code"] in {"L200", "L201", "L202", "L204"}]
    assert {f["code"] for f in pairing} == {"L200", "L201", "L202", "L204"}
    for finding in pairing:
        text, href = by_url[finding["url"]]
        legacy = finding["details"]["legacy"]
        if legacy:
            assert href == legacy and text == f"legacy page {display(legacy)}"
        else:
            assert href is None and text == "legacy page none found"
    assert events.errors == []
    page.context.close()


def test_detail_labels_are_words_and_rules_show_their_file_name(
    browser: Any, demo: Path, report: dict[str, Any]
) -> None:
    page, events = open_report(browser, demo / "index.html")
    page.click("button[data-tab=findings]")
    page.fill("#f-search", "L201")
    _wait_count(page, 1)
    page.locator("#findings tbody tr.row").first.click()
    labels = page.eval_on_selector_all(
        "#findings tr.detail dt", "dts => dts.map(d => d.textContent)"
    )
    assert "final URL" in labels and "error kind" in labels
    assert not any("_" in label for label in labels)

    page.click("button[data-tab=redirects]")
    rules = page.eval_on_selector_all(
        "#redirects tbody tr.row td:first-child span",
        "spans => spans.map(s => [s.textContent, s.title])",
    )
    assert [tuple(r) for r in rules] == [
        (f"{Path(r['file']).name}:{r['line']}", f"{r['file']}:{r['line']}")
        for r in report["redirects"]
    ]
    assert events.errors == []
    page.context.close()
