"""Per-site numbers: which site a URL belongs to, pairs healthy/broken, coverage, redirects."""

from __future__ import annotations

import pytest

from linkcheck.config import Counterpart, Site
from linkcheck.findings import make_finding
from linkcheck.report import LiveRedirect, PairRecord, RedirectRecord
from linkcheck.report.sites import SiteIndex, site_summaries

EN = Site(
    "en", "https://inter.example.org/en/", "https://old.example.org/en/", counterpart=Counterpart()
)
FR = Site("fr", "https://fr.example.org/fr/", "https://old.example.org/fr/")
BLOG = Site("blog", "https://blog.example.org/")


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://inter.example.org/en/articles/a/", "en"),
        ("https://old.example.org/fr/News/a.html", "fr"),
        ("https://inter.example.org/de/", "en"),  # same host, outside the prefix
        ("https://elsewhere.example.com/", ""),
    ],
)
def test_a_url_belongs_to_the_site_with_the_longest_prefix(url: str, site: str) -> None:
    index = SiteIndex((s.name, s.new, s.legacy) for s in (EN, FR, BLOG))
    assert index.site_of_url(url) == site


@pytest.mark.parametrize(
    ("source", "hops", "site"),
    [
        ("https://old.example.org/fr/News/a.html", (), "fr"),  # absolute, on the legacy host
        ("/en/News/a.html", (), "en"),  # relative: by the path of the prefixes
        ("/fr/vieux/a.html", (), "fr"),
        ("^/en/old/(.+)\\.html$", (), "en"),  # regex source
        (
            "/a.html",
            ("https://blog.example.org/a.html --[301]--> https://blog.example.org/b",),
            "blog",
        ),
        ("/de/a.html", (), "blog"),  # only the blog's prefix path (/) contains it
        ("https://elsewhere.example.com/a", (), ""),
    ],
)
def test_a_rule_belongs_to_the_site_whose_prefix_contains_its_source(
    source: str, hops: tuple[str, ...], site: str
) -> None:
    index = SiteIndex((s.name, s.new, s.legacy) for s in (EN, FR, BLOG))
    live = LiveRedirect(301, None, hops, 200)
    assert (
        index.site_of_redirect(RedirectRecord(source, None, 301, 1, "r.yaml", True, live)) == site
    )


def test_a_finding_may_name_its_site() -> None:
    index = SiteIndex((s.name, s.new, s.legacy) for s in (EN, FR))
    finding = make_finding("L201", "https://inter.example.org/en/a/", "m", site="fr")
    assert index.site_of(finding) == "fr"


def test_coverage_is_healthy_pairs_over_upgraded_pages() -> None:
    pairs = [
        PairRecord(
            "en", "https://inter.example.org/en/a/", "https://old.example.org/en/a", 200, 0.9, True
        ),
        PairRecord("en", "https://inter.example.org/en/b/", None, None, None, False),
        PairRecord(
            "en", "https://inter.example.org/en/c/", "https://old.example.org/en/c", 200, 0.8, True
        ),
        PairRecord(
            "fr", "https://fr.example.org/fr/a/", "https://old.example.org/fr/a", 404, None, False
        ),
    ]
    redirects = [
        RedirectRecord(
            "https://inter.example.org/en/x",
            "https://inter.example.org/en/y",
            301,
            3,
            "r.yaml",
            True,
            healthy=True,
        ),
        RedirectRecord(
            "https://inter.example.org/en/z",
            "https://inter.example.org/en/y",
            301,
            4,
            "r.yaml",
            True,
            healthy=False,
        ),
        RedirectRecord("https://inter.example.org/en/bad", None, 310, 5, "r.yaml", False),
    ]
    en, fr, blog = site_summaries(
        [EN, FR, BLOG], pairs, redirects, pages={"en": 12}, links={"en": 99}
    )
    assert (en.upgraded, en.healthy_pairs, en.broken_pairs) == (3, 2, 1)
    assert en.coverage == pytest.approx(2 / 3)
    assert (en.redirects, en.healthy_redirects, en.pages, en.links) == (2, 1, 12, 99)
    assert (fr.coverage, fr.broken_pairs) == (0.0, 1)
    assert blog.coverage is None  # crawl-only


def test_a_pairing_site_with_no_upgraded_page_yet_is_fully_covered() -> None:
    [en] = site_summaries([EN], [])
    assert en.coverage == 1.0 and en.upgraded == 0
