"""checks.py: each C code found on a real local site, once per target, with its sources."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from support.websites import Page, ServerFactory, Site, html, serve, write_config

from linkcheck.checks import link_findings
from linkcheck.crawl import crawl
from linkcheck.fetch import Fetcher
from linkcheck.findings import Finding


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def findings_for(
    aiohttp_server: ServerFactory, tmp_path: Path, pages: dict[str, Page], settings: str = ""
) -> tuple[Site, list[Finding]]:
    site = await serve(aiohttp_server, pages)
    text = (
        "version: 1\n"
        f"settings: {{retries: 0, rate: 1000, timeout: 5{', ' + settings if settings else ''}}}\n"
        "sites:\n"
        "  en:\n"
        f"    new: {site.url('/en/')}\n"
        f"    legacy: {site.url('/old/')}\n"
        "    counterpart: {selector: '.old-pages a'}\n"
    )
    config = write_config(tmp_path, text)
    async with Fetcher(config.settings) as fetcher:
        result = await crawl(config, fetcher)
    return site, link_findings(result)


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


async def test_c100_broken_link_is_one_finding_with_all_sources(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    site, findings = await findings_for(
        aiohttp_server,
        tmp_path,
        {"/en/": html("a", "b", "missing"), "/en/a": html("missing"), "/en/b": html("missing")},
    )
    [finding] = by_code(findings, "C100")
    assert finding.url == site.url("/en/missing")
    assert finding.details["sources"] == sorted(site.url(p) for p in ("/en/", "/en/a", "/en/b"))
    assert finding.details["status"] == 404


async def test_c101_unreachable_target(aiohttp_server: ServerFactory, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/x"
    site, findings = await findings_for(
        aiohttp_server, tmp_path, {"/en/": html(dead)}, "check_external: true"
    )
    [finding] = by_code(findings, "C101")
    assert finding.url == dead
    assert finding.details["kind"] == "connect"
    assert finding.source == site.url("/en/")


async def test_c102_link_to_a_redirect_names_the_final_url(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    site, findings = await findings_for(
        aiohttp_server,
        tmp_path,
        {"/en/": html("old"), "/en/old": Page(status=301, location="/en/new"), "/en/new": html()},
    )
    [finding] = by_code(findings, "C102")
    assert finding.url == site.url("/en/old")
    assert finding.details["final"] == site.url("/en/new")
    assert not by_code(findings, "C100")


async def test_c103_missing_fragment_on_a_parsed_page(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    site, findings = await findings_for(
        aiohttp_server,
        tmp_path,
        {
            "/en/": html("t#here", "t#gone", "t#top", "/old/p.html#nope"),
            "/en/t": html(extra='<h2 id="here">h</h2>'),
            "/old/p.html": html(extra='<a name="yes">y</a>'),
        },
    )
    assert sorted((f.url, tuple(f.details["fragments"])) for f in by_code(findings, "C103")) == [
        (site.url("/en/t"), ("gone",)),
        (site.url("/old/p.html"), ("nope",)),
    ]


async def test_c105_crawl_limit_once_per_site(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    pages = {"/en/": html(*(f"p{n}" for n in range(6)))}
    pages.update({f"/en/p{n}": html("/en/") for n in range(6)})
    _site, findings = await findings_for(aiohttp_server, tmp_path, pages, "max_pages: 2")
    [finding] = by_code(findings, "C105")
    assert finding.details["site"] == "en" and finding.details["limit"] == "max_pages"


async def test_c106_excluded_url(aiohttp_server: ServerFactory, tmp_path: Path) -> None:
    site, findings = await findings_for(
        aiohttp_server,
        tmp_path,
        {"/en/": html("skip/me")},
        r"exclude: ['/skip/']",
    )
    [finding] = by_code(findings, "C106")
    assert finding.url == site.url("/en/skip/me")
    assert finding.details["sources"] == [site.url("/en/")]


@pytest.mark.parametrize(("paths", "kind"), [(2, "loop"), (30, "too_many_redirects")])
async def test_c107_redirect_loop_or_too_many_hops(
    aiohttp_server: ServerFactory, tmp_path: Path, paths: int, kind: str
) -> None:
    pages: dict[str, Page] = {"/en/": html("r0")}
    for n in range(paths):
        pages[f"/en/r{n}"] = Page(status=302, location=f"/en/r{(n + 1) % paths}")
    site, findings = await findings_for(aiohttp_server, tmp_path, pages)
    [finding] = by_code(findings, "C107")
    assert finding.url == site.url("/en/r0")
    assert finding.details["kind"] == kind
    assert not by_code(findings, "C102")


async def test_counterpart_notice_links_yield_no_c_codes(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    """A dead notice link is pairing's business (L201), never a C100 too."""
    _site, findings = await findings_for(
        aiohttp_server,
        tmp_path,
        {"/en/": html(extra='<div class="old-pages"><a href="/old/dead.html">old</a></div>')},
    )
    assert findings == []


async def test_a_healthy_site_has_no_findings(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    _site, findings = await findings_for(
        aiohttp_server, tmp_path, {"/en/": html("a#x"), "/en/a": html(extra='<p id="x"></p>')}
    )
    assert findings == []


async def test_a_malformed_link_is_one_c110_naming_every_page_that_holds_it(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    bad = "http://127.0.0.1:99999/x"
    site, findings = await findings_for(
        aiohttp_server,
        tmp_path,
        {"/en/": html("a", bad, "http://[::1"), "/en/a": html(bad, "/en/")},
    )
    malformed = sorted((f.url, f.details["sources"]) for f in findings if f.code == "C110")
    assert malformed == [
        (bad, [site.url("/en/"), site.url("/en/a")]),
        ("http://[::1", [site.url("/en/")]),
    ]
    assert {f.code for f in findings} == {"C110"}
