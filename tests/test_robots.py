"""robots.txt policy: parsing, status handling (RFC 9309), crawl delay, the per-origin cache."""

from __future__ import annotations

import asyncio

import pytest

from linkcheck.model import Response
from linkcheck.robots import (
    UNREACHABLE_TTL,
    RobotsCache,
    allow_all,
    parse_robots,
    product_token,
    robots_url,
    rules_from_response,
)

UA = "linkcheck/1.0 (+https://example.org/linkcheck)"
ORIGIN = "https://inter.example.org"

ROBOTS = """\
User-agent: *
Disallow: /private/
Allow: /private/open.html
Crawl-delay: 2

User-agent: linkcheck
Disallow: /el/αρχείο/
Disallow: /*.pdf$
Request-rate: 1/5

Sitemap: https://inter.example.org/sitemap.xml
Sitemap: /relative.xml
"""


def answer(status: int | None, text: str | None = None, kind: str | None = None) -> Response:
    url = ORIGIN + "/robots.txt"
    return Response(url=url, final_url=url, status=status, text=text, error_kind=kind)


class TestParsedRules:
    @pytest.mark.parametrize(
        ("path", "allowed"),
        [
            ("/en/page.html", True),
            ("/el/%CE%B1%CF%81%CF%87%CE%B5%CE%AF%CE%BF/x.html", False),  # percent-encoded Greek
            ("/el/other/", True),
            ("/docs/report.pdf", False),
            ("/docs/report.pdf?x=1", True),
            ("/private/x", True),  # the linkcheck group replaces `*` entirely
            ("/robots.txt", True),
        ],
    )
    def test_our_group_decides(self, path: str, allowed: bool) -> None:
        """The group naming our product token applies, with non-ASCII paths matched encoded."""
        rules = parse_robots(ORIGIN, ROBOTS)
        assert rules.allowed(ORIGIN + path, UA) is allowed

    def test_other_agents_get_the_star_group(self) -> None:
        """A user agent without its own group follows `*` (longest match wins)."""
        rules = parse_robots(ORIGIN, ROBOTS)
        assert not rules.allowed(ORIGIN + "/private/x", "otherbot/2.0")
        assert rules.allowed(ORIGIN + "/private/open.html", "otherbot/2.0")

    def test_crawl_delay_takes_the_slower_of_delay_and_rate(self) -> None:
        """Request-rate 1/5 means one request per 5 s for linkcheck; `*` has Crawl-delay 2."""
        rules = parse_robots(ORIGIN, ROBOTS)
        assert rules.crawl_delay(UA) == 5.0
        assert rules.crawl_delay("otherbot") == 2.0

    def test_sitemaps_are_listed_absolute_only(self) -> None:
        assert parse_robots(ORIGIN, ROBOTS).sitemaps == ("https://inter.example.org/sitemap.xml",)

    def test_garbage_is_ignored_line_by_line(self) -> None:
        """Binary junk and unknown directives do not stop parsing nor disallow."""
        rules = parse_robots(ORIGIN, "\x00\xff<html>\nFoo: bar\nUser-agent: *\nDisallow: /x\n")
        assert rules.allowed(ORIGIN + "/y", UA)
        assert not rules.allowed(ORIGIN + "/x", UA)

    def test_huge_file_is_cut_not_refused(self) -> None:
        text = "User-agent: *\nDisallow: /a\n" + "# padding\n" * 200_000
        assert not parse_robots(ORIGIN, text).allowed(ORIGIN + "/a", UA)


class TestStatusPolicy:
    @pytest.mark.parametrize(
        ("status", "kind", "allowed"),
        [
            (404, None, True),
            (401, None, True),
            (403, None, True),
            (410, None, True),
            (500, None, False),
            (503, None, False),
            (429, None, False),
            (None, "connect", True),
            (None, "timeout", True),
        ],
    )
    def test_status_decides_allow_or_disallow(
        self, status: int | None, kind: str | None, allowed: bool
    ) -> None:
        """4xx allows all; 5xx and 429 disallow all for a while; no answer allows (C101 tells)."""
        rules = rules_from_response(ORIGIN, answer(status, kind=kind), now=100.0)
        assert rules.allowed(ORIGIN + "/en/", UA) is allowed
        assert rules.allowed(ORIGIN + "/robots.txt", UA)

    def test_unreachable_rules_expire(self) -> None:
        rules = rules_from_response(ORIGIN, answer(503), now=100.0)
        assert not rules.stale(100.0 + UNREACHABLE_TTL - 1)
        assert rules.stale(100.0 + UNREACHABLE_TTL)
        assert "503" in rules.reason

    def test_allow_all_has_no_delay(self) -> None:
        assert allow_all(ORIGIN).crawl_delay(UA) is None


def test_product_token_is_the_name_before_the_version() -> None:
    assert product_token(UA) == "linkcheck"
    assert product_token("Mozilla/5.0 (compatible)") == "Mozilla"


def test_robots_url_is_at_the_origin_root() -> None:
    assert robots_url("https://a.example:8443/x/y?z") == "https://a.example:8443/robots.txt"


class TestCache:
    async def test_one_fetch_per_origin_even_when_concurrent(self) -> None:
        """Twenty simultaneous questions about one host cause one robots.txt request."""
        calls: list[str] = []

        async def load(url: str) -> Response:
            calls.append(url)
            await asyncio.sleep(0.01)
            return Response(
                url=url, final_url=url, status=200, text="User-agent: *\nDisallow: /no\n"
            )

        cache = RobotsCache(load, UA)
        results = await asyncio.gather(
            *(cache.allowed(f"{ORIGIN}/{'no' if i % 2 else 'yes'}/{i}") for i in range(20))
        )
        assert calls == [ORIGIN + "/robots.txt"]
        assert [ok for ok, _ in results] == [i % 2 == 0 for i in range(20)]
        await cache.allowed("https://other.example.org/no/1")
        assert len(calls) == 2
