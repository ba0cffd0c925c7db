"""summary.md: short, verdict first, nothing from the web becomes markup."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.reports import sample_report

from linkcheck.findings import make_finding
from linkcheck.report.markdown import TOP, md_escape, render_markdown


def test_verdict_and_counts_come_first() -> None:
    text = render_markdown(sample_report())
    assert text.startswith("## linkcheck: ❌ **FAIL**")
    assert "| 5 | 4 | 1 | 1 | – | – |" in text


def test_a_clean_run_passes() -> None:
    text = render_markdown(sample_report(findings=()))
    assert "✅ **PASS**" in text and "No findings." in text


def test_top_findings_are_capped_and_errors_come_first() -> None:
    many = tuple(make_finding("C102", f"https://x.org/{i}", "redirect") for i in range(50))
    broken = make_finding("C100", "https://x.org/broken", "broken")
    text = render_markdown(sample_report(findings=(*many, broken)))
    rows = [
        line for line in text.splitlines() if line.startswith("| 🔴") or line.startswith("| 🟠")
    ]
    assert len(rows) == TOP
    assert rows[0].startswith("| 🔴 | C100")
    assert "… and 31 more" in text


def test_new_since_the_previous_run_is_listed() -> None:
    report = sample_report()
    report = replace(report, new=report.findings[:1], previous="2026-11-26T22:00:00")
    text = render_markdown(report)
    assert "### New since the previous run" in text
    section = text.split("### New since the previous run")[1].split("###")[0]
    assert "missing/" in section


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "a | b | c",
        "![img](https://evil.example/x.png)",
        "line\nbreak",
    ],
)
def test_text_from_the_web_cannot_inject_markup(hostile: str) -> None:
    escaped = md_escape(hostile)
    assert "<" not in escaped and "\n" not in escaped
    assert "](" not in escaped
    assert "|" not in escaped.replace("\\|", "")
