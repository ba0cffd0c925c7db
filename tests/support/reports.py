"""Realistic `Report` records for the report, store and browser tests (no network needed)."""

from __future__ import annotations

from dataclasses import replace

from linkcheck.findings import Finding, make_finding
from linkcheck.report import LiveRedirect, PairRecord, RedirectRecord, Report, SiteSummary

XSS_TITLE = "<script>window.__pwned = 1; alert('title')</script>"
XSS_URL = "javascript:window.__pwned=2;alert(1)//<img src=x onerror=alert(2)>"


def sample_findings() -> list[Finding]:
    """One of each family, two sites, a hostile title and URL, an accepted finding."""
    return [
        make_finding(
            "C100",
            "https://inter.example.org/en/missing/",
            "broken link: 404 Not Found",
            source="https://inter.example.org/en/articles/meeting/",
            sources=[
                "https://inter.example.org/en/articles/meeting/",
                "https://inter.example.org/en/articles/budget/",
            ],
            status=404,
        ),
        make_finding(
            "C102",
            "https://inter.example.org/en/old-link/",
            "link to a redirect: update it to https://inter.example.org/en/new-link/",
            source="https://inter.example.org/en/articles/meeting/",
            final="https://inter.example.org/en/new-link/",
        ),
        make_finding(
            "C100",
            XSS_URL,
            f"broken link on a page titled {XSS_TITLE}",
            source="https://fr.example.org/fr/articles/<b>bold</b>/",
        ),
        make_finding(
            "L201",
            "https://fr.example.org/fr/articles/reunion/",
            "legacy counterpart unreachable: 404",
            legacy="https://old.example.org/fr/News/reunion.html",
            site="fr",
        ),
        make_finding(
            "L203",
            "https://inter.example.org/en/articles/budget/",
            "legacy counterpart does not match (similarity 0.21)",
            legacy="https://old.example.org/en/News/budget.html",
            similarity=0.21,
        ),
        make_finding(
            "R303",
            "https://inter.example.org/en/News/2018/meeting.html",
            "redirect chain: /en/articles/old/ is itself redirected; use /en/articles/meeting/",
            source="redirects.yaml:14",
            suggested="/en/articles/meeting/",
        ),
        make_finding(
            "R302",
            "https://inter.example.org/en/News/a.html",
            "conflicting rules: same source, another target",
            source="maps/en.yaml:7:5",
            first=3,
        ),
        make_finding(
            "V402",
            "https://inter.example.org/en/News/b.html",
            "live target differs: https://inter.example.org/en/ instead of /en/articles/b/",
            source="redirects.yaml:21",
        ),
        make_finding(
            "H500",
            "https://fr.example.org/fr/articles/reunion/",
            "hreflang en without a return link",
            alternate="https://inter.example.org/en/articles/meeting/",
        ),
        make_finding(
            "C105",
            "https://inter.example.org/en/",
            "crawl stopped at max_pages 500",
        ),
        make_finding(
            "L201",
            "https://old.example.org/en/News/2009/archive.html",
            "legacy counterpart unreachable: 503",
            accepted={"why": "archive being restored", "until": "2099-03-31", "line": "c:3"},
        ),
    ]


def sample_report(**changes: object) -> Report:
    """A finished run over two sites with pairs, redirects, stats and a failing verdict."""
    report = Report(
        version="0.1.0",
        started="2026-11-27T22:00:00+00:00",
        finished="2026-11-27T22:03:25+00:00",
        config="redirects.yaml",
        partial=False,
        pages=120,
        links=840,
        findings=tuple(sample_findings()),
        pairs=(
            PairRecord(
                "en",
                "https://inter.example.org/en/articles/meeting/",
                "https://old.example.org/en/News/2018/meeting.html",
                200,
                0.92,
                True,
            ),
            PairRecord(
                "fr",
                "https://fr.example.org/fr/articles/reunion/",
                "https://old.example.org/fr/News/reunion.html",
                404,
                None,
                False,
            ),
        ),
        redirects=(
            RedirectRecord(
                "https://inter.example.org/en/News/2018/meeting.html",
                "https://inter.example.org/en/articles/meeting/",
                301,
                14,
                "redirects.yaml",
                True,
                LiveRedirect(
                    301,
                    "https://inter.example.org/en/articles/meeting/",
                    ("https://inter.example.org/en/articles/meeting/",),
                    200,
                ),
                True,
            ),
            RedirectRecord(
                "https://inter.example.org/en/News/b.html",
                "https://inter.example.org/en/articles/b/",
                301,
                21,
                "redirects.yaml",
                True,
                LiveRedirect(
                    302, "https://inter.example.org/en/", ("https://inter.example.org/en/",), 200
                ),
                False,
            ),
            RedirectRecord("/bad path", None, 310, 30, "redirects.yaml", False),
        ),
        sites=(
            SiteSummary(
                "en",
                upgraded=80,
                healthy_pairs=76,
                coverage=0.95,
                pages=90,
                links=600,
                new="https://inter.example.org/en/",
                legacy="https://old.example.org/en/",
                broken_pairs=4,
            ),
            SiteSummary(
                "fr",
                upgraded=30,
                healthy_pairs=20,
                coverage=20 / 30,
                pages=30,
                links=240,
                new="https://fr.example.org/fr/",
                legacy="https://old.example.org/fr/",
                broken_pairs=10,
            ),
        ),
        stats={
            "status": {"200": 700, "301": 90, "404": 12, "503": 2, "error": 3},
            "times": [0.01 * (i % 97) for i in range(800)],
        },
    )
    return replace(report, **changes)  # type: ignore[arg-type]
