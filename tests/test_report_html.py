"""index.html: self-contained, escaped, with its data in a safe JSON block."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace

import pytest
from support.reports import XSS_TITLE, XSS_URL, sample_report

from linkcheck.findings import make_finding
from linkcheck.report import LiveRedirect, RedirectRecord, RunSummary
from linkcheck.report.html import _duration, embed_json, render_html


def _data(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="lc-data">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def _script(html: str) -> str:
    match = re.search(r"<script>(.*?)</script>", html, re.S)
    assert match is not None
    return match.group(1)


@pytest.fixture(scope="module")
def html() -> str:
    report = sample_report()
    return render_html(replace(report, new=report.findings[:2], previous="2026-11-26T22:00:00"))


def test_nothing_is_loaded_from_elsewhere(html: str) -> None:
    markup = re.sub(r'(id="lc-data">).*?(</script>)', r"\1\2", html, flags=re.S)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", markup)
    assert not re.search(r"\bsrc\s*=", markup)
    assert "@import" not in markup and "url(" not in markup
    assert markup.count("<script") == 2


def test_the_only_script_allowed_is_the_reports_own(html: str) -> None:
    digest = hashlib.sha256(_script(html).encode("utf-8")).digest()
    expected = "sha256-" + base64.b64encode(digest).decode("ascii")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    assert f"script-src '{expected}'" in csp.group(1)
    assert "default-src 'none'" in csp.group(1)


def test_hostile_text_never_appears_as_markup(html: str) -> None:
    assert XSS_TITLE not in html and "<script>window" not in html
    assert "<b>bold</b>" not in html
    assert "javascript:" not in html.split('id="lc-data"')[0]


def test_the_data_block_round_trips_the_findings(html: str) -> None:
    data = _data(html)
    rows = data["findings"]
    assert isinstance(rows, list)
    report = sample_report()
    assert [(r[1], r[3], r[4]) for r in rows] == [
        (f.code, f.url, f.message) for f in report.findings
    ]
    assert any(r[3] == XSS_URL for r in rows)
    assert [r[7] for r in rows][:3] == [1, 1, 0]


@pytest.mark.parametrize(
    "text", ["</script><script>alert(1)</script>", "<!--", "a\u2028b", "\udc80"]
)
def test_embedded_json_cannot_end_its_script_block(text: str) -> None:
    out = embed_json({"v": text})
    assert "<" not in out and "\u2028" not in out
    out.encode("utf-8")  # no lone surrogate left
    assert json.loads(out)["v"].encode("utf-16", "surrogatepass") == text.encode(
        "utf-16", "surrogatepass"
    )


def test_header_shows_verdict_and_counts(html: str) -> None:
    assert 'id="verdict" class="verdict" data-verdict="fail">FAIL<' in html
    assert '<b id="count-error">5</b>' in html
    assert '<b id="count-warning">4</b>' in html
    assert '<b id="count-accepted">1</b>' in html
    assert '<b id="count-new">2</b>' in html


def test_a_passing_run_says_pass() -> None:
    html = render_html(sample_report(findings=(make_finding("C102", "https://x.org/", "r"),)))
    assert 'data-verdict="pass">PASS<' in html


def test_config_name_and_titles_are_escaped() -> None:
    html = render_html(sample_report(config="<img src=x onerror=alert(1)>.yaml"))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.yaml" in html


def test_charts_are_inline_svg() -> None:
    history = (
        RunSummary("2026-11-25T00:00:00", 3, 2, 0),
        RunSummary("2026-11-26T00:00:00", 5, 4, 1),
    )
    html = render_html(sample_report(history=history))
    assert html.count("<svg") == 3
    assert "404: 12" in html  # status bar tooltip
    assert "2026-11-26T00:00:00: 5 errors, 4 warnings" in html


def test_the_site_overview_counts_pairs_and_coverage(html: str) -> None:
    overview = html.split('id="sites"')[1].split("</table>")[0]
    assert "95%" in overview and "67%" in overview and "crawl only" in overview
    assert 'data-code="L201" data-site="fr"' in overview


def test_a_partial_run_is_marked() -> None:
    assert 'id="partial"' in render_html(sample_report(partial=True))


def test_the_sites_redirect_counts_add_up_to_the_header() -> None:
    """Relative and legacy-host sources count for their site; the rest in an "other" row."""

    def rule(source: str, healthy: bool) -> RedirectRecord:
        live = LiveRedirect(301, None, (), 200 if healthy else 404)
        return RedirectRecord(source, None, 301, 1, "r.yaml", True, live, healthy)

    redirects = (
        rule("/en/News/a.html", True),
        rule("https://old.example.org/fr/News/b.html", True),
        rule("https://old.example.org/fr/News/c.html", False),
        rule("https://elsewhere.example.com/d", False),
        RedirectRecord("/bad path", None, 310, 30, "r.yaml", False),
    )
    html = render_html(sample_report(redirects=redirects, findings=()))
    header = re.search(r"<dt>redirects</dt><dd>(\d+) healthy · (\d+) broken", html)
    assert header is not None and header.groups() == ("2", "2")
    overview = html.split('id="sites"')[1].split("</table>")[0]
    rows = re.findall(
        r"<b>(\w+)</b>.*?</td>(?:\s*<td[^>]*>.*?</td>){4}"
        r"\s*<td class=\"num\">(\d+) / <span[^>]*>(\d+)</span>",
        overview,
        re.S,
    )
    assert rows == [("en", "1", "0"), ("fr", "1", "1"), ("other", "0", "1")]


def test_a_single_run_draws_one_slim_bar_and_says_so() -> None:
    """Not a full-width slab with the same date at both ends."""
    html = render_html(sample_report(history=(RunSummary("2026-11-27T00:00:00", 6, 5, 0),)))
    chart = html.split("Errors and warnings per run")[1].split("</figure>")[0]
    widths = {
        float(w)
        for w in re.findall(r'<rect class="[ew]" x="[\d.]+" y="\d+" width="([\d.]+)"', chart)
    }
    assert widths and max(widths) <= 40
    assert chart.count("2026-11-27") == 2  # the tooltip and one date under the bar
    assert "One run so far: 6 errors, 5 warnings" in chart
    assert ">11</text>" in chart  # the scale: the top value


def test_several_runs_show_first_and_last_date_and_no_single_run_note() -> None:
    history = tuple(RunSummary(f"2026-11-{d:02d}T00:00:00", d, 1, 0) for d in range(1, 21))
    chart = render_html(sample_report(history=history)).split("Errors and warnings per run")[1]
    chart = chart.split("</figure>")[0]
    assert ">2026-11-01</text>" in chart and ">2026-11-20</text>" in chart
    assert "One run so far" not in chart


@pytest.mark.parametrize(
    ("started", "finished", "stats", "shown"),
    [
        (
            "2026-11-27T00:00:00+00:00",
            "2026-11-27T00:00:00+00:00",
            {"crawl_seconds": 0.42},
            "under 1 s (crawl 0.42 s)",
        ),
        ("2026-11-27T00:00:00+00:00", "2026-11-27T00:00:00+00:00", {}, "under 1 s"),
        ("2026-11-27T00:00:00.100+00:00", "2026-11-27T00:00:00.500+00:00", {}, "0.4 s"),
        ("2026-11-27T00:00:00+00:00", "2026-11-27T00:00:03+00:00", {}, "3 s"),
        ("2026-11-27T00:00:00+00:00", "2026-11-27T00:02:05+00:00", {}, "2 min 05 s"),
        ("2026-11-27T00:00:00+00:00", "2026-11-27T01:02:05+00:00", {}, "1 h 02 min"),
        ("2026-11-27T00:00:00+00:00", "garbage", {}, ""),
    ],
)
def test_duration_is_readable_even_under_a_second(
    started: str, finished: str, stats: dict[str, float], shown: str
) -> None:
    assert _duration(sample_report(started=started, finished=finished, stats=stats)) == shown
