"""Language alternates (hreflang) checked both ways: H500 no return link, H501 broken."""

from __future__ import annotations

from pathlib import Path

from support.websites import Page, ServerFactory, serve, write_config

from linkcheck.checks import link_findings
from linkcheck.crawl import crawl
from linkcheck.fetch import Fetcher
from linkcheck.findings import Finding


def page(*alternates: tuple[str, str], title: str = "") -> Page:
    links = "".join(
        f'<link rel="alternate" hreflang="{lang}" href="{href}">' for lang, href in alternates
    )
    return Page(f"<html><head><title>{title}</title>{links}</head><body><p>x</p></body></html>")


async def h_findings(
    aiohttp_server: ServerFactory, tmp_path: Path, pages: dict[str, Page]
) -> tuple[str, list[Finding]]:
    site = await serve(aiohttp_server, pages)
    config = write_config(
        tmp_path,
        "version: 1\nsettings: {retries: 0, rate: 1000}\nsites:\n"
        f"  en: {{new: '{site.url('/en/')}'}}\n  el: {{new: '{site.url('/el/')}'}}\n",
    )
    async with Fetcher(config.settings) as fetcher:
        result = await crawl(config, fetcher)
    return site.origin, [f for f in link_findings(result) if f.code.startswith("H")]


async def test_mutual_alternates_are_fine_even_through_a_redirect(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    _, findings = await h_findings(
        aiohttp_server,
        tmp_path,
        {
            "/en/": page(("en", "/en/"), ("el", "/el/")),
            "/el/": page(("el", "/el/"), ("en", "/en/old")),  # back through a redirect
            "/en/old": Page(status=301, location="/en/"),
        },
    )
    assert findings == []


async def test_alternate_without_return_link_is_h500_on_the_declaring_page(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    origin, findings = await h_findings(
        aiohttp_server,
        tmp_path,
        {
            "/en/": page(("en", "/en/"), ("el", "/el/")),
            "/el/": page(("el", "/el/")),
        },
    )
    assert [(f.code, f.url, f.details["alternate"], f.details["hreflang"]) for f in findings] == [
        ("H500", f"{origin}/en/", f"{origin}/el/", "el")
    ]


async def test_broken_alternate_is_one_h501_per_declared_alternate(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    origin, findings = await h_findings(
        aiohttp_server,
        tmp_path,
        {
            "/en/": page(("en", "/en/"), ("el", "/el/missing"), ("el-CY", "/el/missing")),
            "/el/": page(),
        },
    )
    assert [(f.code, f.url, f.details["hreflang"]) for f in findings] == [
        ("H501", f"{origin}/en/", "el"),
        ("H501", f"{origin}/en/", "el-CY"),
    ]
    assert findings[0].details["status"] == 404
