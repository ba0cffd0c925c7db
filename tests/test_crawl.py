"""crawl.py against real local sites: scope, frontier, limits, sitemaps, the link index."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.websites import Page, ServerFactory, Site, html, serve, write_config

from linkcheck.checks import link_findings
from linkcheck.crawl import CrawlResult, crawl
from linkcheck.fetch import Fetcher
from linkcheck.model import Response


def config_for(tmp_path: Path, site: Site, settings: str = "", extra_site: str = "") -> str:
    return (
        "version: 1\n"
        f"settings: {{retries: 0, rate: 1000{', ' + settings if settings else ''}}}\n"
        "sites:\n"
        "  en:\n"
        f"    new: {site.url('/en/')}\n"
        f"{extra_site}"
    )


async def run_crawl(tmp_path: Path, text: str, **kwargs: object) -> CrawlResult:
    config = write_config(tmp_path, text)
    async with Fetcher(config.settings) as fetcher:
        return await crawl(config, fetcher, **kwargs)  # type: ignore[arg-type]


class TestScope:
    async def test_pages_in_scope_are_crawled_and_others_only_checked(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        site = await serve(
            aiohttp_server,
            {
                "/en/": html("a.html", "/old/x.html"),
                "/en/a.html": html("/en/", "b.html"),
                "/en/b.html": html(),
                "/old/x.html": html("/old/y.html"),
                "/old/y.html": html(),
            },
        )
        result = await run_crawl(tmp_path, config_for(tmp_path, site))
        assert sorted(p.url for p in result.pages["en"]) == [
            site.url(p) for p in ("/en/", "/en/a.html", "/en/b.html")
        ]
        assert site.hits["/old/x.html"] == 1
        assert site.hits["/old/y.html"] == 0  # checked, not crawled
        assert all(count == 1 for count in site.hits.values())  # each URL fetched once

    async def test_other_hosts_are_checked_only_with_check_external(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        other = await serve(aiohttp_server, {"/page": html("/deeper")})
        site = await serve(aiohttp_server, {"/en/": html(other.url("/page"))})
        await run_crawl(tmp_path, config_for(tmp_path, site))
        assert other.hits["/page"] == 0
        result = await run_crawl(tmp_path, config_for(tmp_path, site, "check_external: true"))
        assert other.hits["/page"] == 1 and other.hits["/deeper"] == 0
        assert result.responses[other.url("/page")].status == 200

    async def test_a_redirect_inside_the_scope_is_parsed_as_its_final_page(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        site = await serve(
            aiohttp_server,
            {
                "/en/": html("moved"),
                "/en/moved": Page(status=301, location="/en/new"),
                "/en/new": html("/en/leaf"),
                "/en/leaf": html(),
            },
        )
        result = await run_crawl(tmp_path, config_for(tmp_path, site))
        urls = {p.url for p in result.pages["en"]}
        assert site.url("/en/new") in urls and site.url("/en/leaf") in urls
        assert result.responses[site.url("/en/moved")].hops


class TestLinkIndex:
    async def test_referring_pages_and_fragments_are_indexed_once_per_target(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        site = await serve(
            aiohttp_server,
            {
                "/en/": html("a", "b", "t#one"),
                "/en/a": html("t#one", "t#two", "t"),
                "/en/b": html("t"),
                "/en/t": html(),
            },
        )
        result = await run_crawl(tmp_path, config_for(tmp_path, site))
        target = result.links[site.url("/en/t")]
        assert sorted(target.sources) == [site.url(p) for p in ("/en/", "/en/a", "/en/b")]
        assert target.count == 3
        assert target.fragments == {
            "one": [site.url("/en/"), site.url("/en/a")],
            "two": [site.url("/en/a")],
        }
        assert result.links[site.url("/en/")].seed
        assert all(page.links == () for page in result.pages["en"])  # index holds them


class TestLimits:
    async def test_max_pages_stops_parsing_and_records_a_limit(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        pages = {"/en/": html(*(f"p{n}" for n in range(10)))}
        pages.update({f"/en/p{n}": html(f"q{n}") for n in range(10)})
        site = await serve(aiohttp_server, pages)
        result = await run_crawl(
            tmp_path, config_for(tmp_path, site, "max_pages: 4, concurrency: 2")
        )
        assert len(result.pages["en"]) == 4
        assert [(lim.site, lim.kind) for lim in result.limits] == [("en", "max_pages")]
        # Links found on parsed pages are still checked, just not parsed.
        assert all(site.url(f"/en/p{n}") in result.responses for n in range(10))

    async def test_max_depth_records_a_limit(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        site = await serve(
            aiohttp_server,
            {"/en/": html("1"), "/en/1": html("2"), "/en/2": html("3"), "/en/3": html("4")},
        )
        result = await run_crawl(tmp_path, config_for(tmp_path, site, "max_depth: 2"))
        assert len(result.pages["en"]) == 3
        assert [lim.kind for lim in result.limits] == ["max_depth"]
        assert site.hits["/en/4"] == 0

    async def test_excluded_urls_are_recorded_not_fetched(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        site = await serve(aiohttp_server, {"/en/": html("private/x", "ok"), "/en/ok": html()})
        result = await run_crawl(tmp_path, config_for(tmp_path, site, "exclude: ['/private/']"))
        assert site.hits["/en/private/x"] == 0
        assert result.excluded == {site.url("/en/private/x"): "/private/"}

    async def test_only_the_selected_sites_are_crawled(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        site = await serve(aiohttp_server, {"/en/": html(), "/fr/": html()})
        text = config_for(tmp_path, site) + f"  fr:\n    new: {site.url('/fr/')}\n"
        result = await run_crawl(tmp_path, text, sites=["fr"])
        assert set(result.pages) == {"fr"}
        assert site.hits["/en/"] == 0


class TestSitemaps:
    async def test_a_sitemap_seed_feeds_its_site(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        pages: dict[str, Page] = {
            "/en/": html(),
            "/en/orphan": html("/en/leaf"),
            "/en/leaf": html(),
        }
        site = await serve(aiohttp_server, pages)
        sitemap = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{site.url('/en/orphan')}</loc></url>"
            f"<url><loc> {site.url('/en/gone')} </loc></url></urlset>"
        )
        pages["/sitemap.xml"] = Page(sitemap, content_type="application/xml")
        result = await run_crawl(
            tmp_path,
            config_for(tmp_path, site, extra_site=f"    seeds: [{site.url('/sitemap.xml')}]\n"),
        )
        urls = {p.url for p in result.pages["en"]}
        assert site.url("/en/orphan") in urls and site.url("/en/leaf") in urls
        assert result.links[site.url("/en/gone")].sources == [site.url("/sitemap.xml")]
        assert result.responses[site.url("/en/gone")].status == 404


async def test_an_interrupted_crawl_keeps_what_it_collected(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    """Cancelling midway leaves the passed-in result filled and marked partial."""
    import asyncio

    from aiohttp import web

    async def slow(request: web.Request) -> web.Response:
        if request.path != "/en/":
            await asyncio.sleep(10)
        return web.Response(text='<a href="/en/slow">s</a>', content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", slow)
    server = await aiohttp_server(app)
    config = write_config(
        tmp_path,
        f"version: 1\nsettings: {{retries: 0}}\n"
        f"sites:\n  en:\n    new: {server.make_url('/en/')}\n",
    )
    result = CrawlResult()
    async with Fetcher(replace(config.settings, timeout=30)) as fetcher:
        task = asyncio.create_task(crawl(config, fetcher, result=result))
        while not result.pages.get("en"):
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert result.partial
    assert [p.url for p in result.pages["en"]] == [str(server.make_url("/en/"))]


class TestMoreLimits:
    async def test_max_time_stops_the_crawl_with_a_limit(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        import asyncio

        from aiohttp import web

        async def slow(request: web.Request) -> web.Response:
            if request.path != "/en/":
                await asyncio.sleep(5)
            return web.Response(text='<a href="/en/s1">1</a>', content_type="text/html")

        app = web.Application()
        app.router.add_get("/{tail:.*}", slow)
        server = await aiohttp_server(app)
        result = await run_crawl(
            tmp_path,
            "version: 1\nsettings: {max_time: 0.3, retries: 0}\n"
            f"sites:\n  en:\n    new: {server.make_url('/en/')}\n",
        )
        assert [lim.kind for lim in result.limits] == ["max_time"]
        assert len(result.pages["en"]) == 1

    async def test_a_seed_served_as_xml_is_read_as_a_sitemap(
        self, aiohttp_server: ServerFactory, tmp_path: Path
    ) -> None:
        pages: dict[str, Page] = {"/en/": html(), "/en/hidden": html()}
        site = await serve(aiohttp_server, pages)
        pages["/feeds/map"] = Page(
            f"<urlset><url><loc>{site.url('/en/hidden')}</loc></url></urlset>",
            content_type="text/xml",
        )
        result = await run_crawl(
            tmp_path,
            config_for(tmp_path, site, extra_site=f"    seeds: ['{site.url('/feeds/map')}']\n"),
        )
        assert site.url("/en/hidden") in {p.url for p in result.pages["en"]}


async def test_a_remapped_staging_copy_is_reported_with_production_urls(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    """Absolute links to the staging host found in pages read as production URLs."""
    pages: dict[str, Page] = {"/en/": html("a")}
    staging = await serve(aiohttp_server, pages)
    pages["/en/a"] = html(staging.url("/en/b"))
    pages["/en/b"] = html()
    prod = "https://www.example.org/"
    config = write_config(
        tmp_path, f"version: 1\nsettings: {{retries: 0}}\nsites:\n  en: {{new: '{prod}en/'}}\n"
    )
    async with Fetcher(config.settings, remap=[(prod, staging.url("/"))]) as fetcher:
        result = await crawl(config, fetcher)
    assert sorted(p.url for p in result.pages["en"]) == [prod + "en/", prod + "en/a", prod + "en/b"]
    assert all(url.startswith(prod) for url in result.responses)


async def test_external_links_are_checked_with_head_then_get_when_head_is_refused(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    from aiohttp import web

    methods: list[tuple[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        methods.append((request.method, request.path))
        if request.path == "/no-head" and request.method == "HEAD":
            return web.Response(status=405)
        return web.Response(text="ok", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    other = await aiohttp_server(app)
    ok, no_head = str(other.make_url("/ok")), str(other.make_url("/no-head"))
    site = await serve(aiohttp_server, {"/en/": html(ok, no_head)})
    result = await run_crawl(tmp_path, config_for(tmp_path, site, "check_external: true"))
    assert sorted(methods) == [("GET", "/no-head"), ("HEAD", "/no-head"), ("HEAD", "/ok")]
    assert result.responses[ok].status == 200 and result.responses[no_head].status == 200


class _ExplodingFetcher(Fetcher):
    """A real Fetcher with a bug on some URLs (stands in for any unexpected exception)."""

    async def fetch(self, url: str, **kwargs: object) -> Response:  # type: ignore[override]
        if "boom" in url:
            raise RuntimeError("bug on " + url)
        return await super().fetch(url, **kwargs)  # type: ignore[arg-type]


async def test_an_exception_on_one_url_is_reported_there_and_the_crawl_goes_on(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    """It used to kill its worker silently: the URL vanished from the results, and once
    every worker had died (concurrency 1 here) the crawl waited forever."""
    links = [f"/en/boom{i}" for i in range(3)] + ["/en/a", "/en/b"]
    site = await serve(
        aiohttp_server,
        {"/en/": html(*links), "/en/a": html("/en/"), "/en/b": html("/en/boom0")},
    )
    config = write_config(
        tmp_path,
        f"version: 1\nsettings: {{retries: 0, concurrency: 1}}\n"
        f"sites:\n  en:\n    new: {site.url('/en/')}\n",
    )
    async with _ExplodingFetcher(config.settings) as fetcher:
        result = await crawl(config, fetcher)
    assert {p.url for p in result.pages["en"]} == {site.url(p) for p in ("/en/", "/en/a", "/en/b")}
    failed = result.responses[site.url("/en/boom1")]
    assert failed.status is None and failed.error_kind == "internal"
    assert "RuntimeError: bug on" in (failed.error or "")
    findings = link_findings(result)
    assert sorted(f.url for f in findings if f.code == "C101") == [
        site.url(f"/en/boom{i}") for i in range(3)
    ]


async def test_a_page_the_parser_fails_on_is_reported_not_dropped(
    aiohttp_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page used to vanish without a word (no links followed, no finding)."""
    import linkcheck.crawl

    real = linkcheck.crawl.extract

    def fragile(url: str, text: str, **kwargs: Any) -> Any:
        if "bad" in url:
            raise RecursionError("maximum recursion depth exceeded")
        return real(url, text, **kwargs)

    monkeypatch.setattr(linkcheck.crawl, "extract", fragile)
    pages = {"/en/": html("bad", "good"), "/en/good": html(), "/en/bad": html("/en/never")}
    site = await serve(aiohttp_server, pages)
    config = write_config(
        tmp_path,
        f"version: 1\nsettings: {{retries: 0}}\nsites:\n  en:\n    new: {site.url('/en/')}\n",
    )
    async with Fetcher(config.settings) as fetcher:
        result = await crawl(config, fetcher)
    [finding] = [f for f in link_findings(result) if f.code == "C109"]
    assert finding.url == site.url("/en/bad")
    assert "could not be parsed (RecursionError" in finding.message
