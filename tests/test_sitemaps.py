"""Sitemaps: urlsets, indexes, gzip, text lists, and defences against hostile files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from linkcheck.sitemaps import inflate, parse_sitemap

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://el.example.org/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/</loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>
     https://el.example.org/el/news/
  </loc></url>
  <url><loc>https://el.example.org/el/news/</loc></url>
  <url><loc>https://el.example.org/el/a?x=1&amp;y=2#frag</loc></url>
  <url><loc>ftp://el.example.org/file</loc></url>
</urlset>
"""

INDEX = b"""<?xml version="1.0"?>
<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sm:sitemap><sm:loc>https://el.example.org/sitemap-1.xml</sm:loc></sm:sitemap>
  <sm:sitemap><sm:loc>https://el.example.org/sitemap-2.xml.gz</sm:loc></sm:sitemap>
</sm:sitemapindex>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<urlset><url><loc>https://x.example/&lol9;</loc></url></urlset>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset><url><loc>https://x.example/&xxe;</loc></url></urlset>
"""


class TestParse:
    def test_urlset_gives_normalised_unique_urls_without_fragments(self) -> None:
        sitemap = parse_sitemap(URLSET)
        assert sitemap.urls == (
            "https://el.example.org/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/",
            "https://el.example.org/el/news/",
            "https://el.example.org/el/a?x=1&y=2",
        )
        assert sitemap.sitemaps == ()
        assert sitemap.problem is not None and "not http(s)" in sitemap.problem

    def test_index_with_prefixed_namespace_lists_child_sitemaps(self) -> None:
        sitemap = parse_sitemap(INDEX)
        assert sitemap.urls == ()
        assert sitemap.sitemaps == (
            "https://el.example.org/sitemap-1.xml",
            "https://el.example.org/sitemap-2.xml.gz",
        )
        assert sitemap.problem is None

    def test_gzip_is_inflated(self) -> None:
        assert parse_sitemap(gzip.compress(URLSET)).urls == parse_sitemap(URLSET).urls

    def test_text_sitemap_is_one_url_per_line(self) -> None:
        sitemap = parse_sitemap(b"https://a.example/1\n\nhttps://a.example/2\r\nnot a url\n")
        assert sitemap.urls == ("https://a.example/1", "https://a.example/2")
        assert sitemap.problem == "1 lines are not http(s) URLs"

    def test_raw_non_ascii_loc_is_percent_encoded(self) -> None:
        body = "<urlset><url><loc>https://ru.example.org/ru/статьи/</loc></url></urlset>"
        assert parse_sitemap(body.encode()).urls == (
            "https://ru.example.org/ru/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D0%B8/",
        )


class TestHostileInput:
    @pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY])
    def test_entity_declarations_are_refused_before_expanding(self, body: bytes) -> None:
        sitemap = parse_sitemap(body)
        assert sitemap.urls == ()
        assert sitemap.truncated
        assert sitemap.problem is not None and "DOCTYPE" in sitemap.problem

    def test_malformed_xml_keeps_what_came_before(self) -> None:
        body = b"<urlset><url><loc>https://a.example/1</loc></url><url><loc>https://a.exa"
        sitemap = parse_sitemap(body)
        assert sitemap.urls == ("https://a.example/1",)
        assert sitemap.problem is not None and sitemap.problem.startswith("malformed XML")

    def test_url_count_is_capped(self) -> None:
        body = (
            b"<urlset>"
            + b"".join(b"<url><loc>https://a.example/%d</loc></url>" % i for i in range(500))
            + b"</urlset>"
        )
        sitemap = parse_sitemap(body, max_urls=100)
        assert len(sitemap.urls) == 100
        assert sitemap.truncated

    def test_gzip_bomb_is_cut_at_the_decoded_cap(self) -> None:
        """A 1 MiB-on-the-wire gzip of zeros would decode to 1 GiB; we stop at the cap."""
        bomb = gzip.compress(b"<urlset>" + b" " * (64 * 1024 * 1024), compresslevel=9)
        assert len(bomb) < 200_000
        sitemap = parse_sitemap(bomb, max_bytes=1024 * 1024)
        assert sitemap.truncated and sitemap.oversize
        assert sitemap.problem is not None and "decoded size over" in sitemap.problem

    def test_corrupt_gzip_is_a_problem_not_a_crash(self) -> None:
        sitemap = parse_sitemap(b"\x1f\x8b\x08\x00garbage")
        assert sitemap.urls == () and sitemap.problem is not None

    def test_other_xml_is_not_a_sitemap(self) -> None:
        sitemap = parse_sitemap(b"<html><body><loc>https://a.example/</loc></body></html>")
        assert sitemap.urls == ()
        assert sitemap.problem == "not a sitemap (root element <html>)"

    def test_inflate_reports_truncated_streams(self) -> None:
        data = gzip.compress(b"x" * 1000)[:-12]
        _, problem = inflate(data)
        assert problem == "truncated gzip data"


class TestSitemapSeedsInTheCrawl:
    """Sitemap seeds feed the site that lists them: gzip files, indexes, hostile files."""

    async def test_gzip_index_and_bomb(self, tmp_path: Path) -> None:
        from aiohttp import web
        from aiohttp.test_utils import TestServer

        from linkcheck.checks import link_findings
        from linkcheck.config import load_config
        from linkcheck.crawl import crawl
        from linkcheck.fetch import Fetcher

        def urlset(*paths: str) -> bytes:
            locs = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
            return f"<urlset>{locs}</urlset>".encode()

        bomb = gzip.compress(b"<urlset>" + b" " * (64 * 1024 * 1024), compresslevel=1)
        files: dict[str, tuple[bytes, str]] = {}

        async def handler(request: web.Request) -> web.Response:
            if request.path in files:
                body, kind = files[request.path]
                return web.Response(body=body, headers={"Content-Type": kind})
            if request.path.startswith("/en/"):
                return web.Response(text="<p>page</p>", content_type="text/html")
            raise web.HTTPNotFound()

        app = web.Application()
        app.router.add_get("/{tail:.*}", handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        files.update(
            {
                "/sitemap.xml": (
                    f"<sitemapindex><sitemap><loc>{base}/s1.xml.gz</loc></sitemap>"
                    f"<sitemap><loc>{base}/bomb.xml.gz</loc></sitemap>"
                    f"<sitemap><loc>{base}/bad.xml</loc></sitemap></sitemapindex>".encode(),
                    "application/xml",
                ),
                "/s1.xml.gz": (gzip.compress(urlset("/en/a", "/en/b")), "application/x-gzip"),
                "/bomb.xml.gz": (bomb, "application/gzip"),
                "/bad.xml": (BILLION_LAUGHS, "text/xml"),
            }
        )
        cfg = tmp_path / "redirects.yaml"
        cfg.write_text(
            "version: 1\nsettings: {retries: 0, rate: 1000, max_bytes: 1048576}\n"
            f"sites:\n  en: {{new: '{base}/en/', seeds: ['{base}/sitemap.xml']}}\n",
            encoding="utf-8",
        )
        config = load_config(cfg)
        try:
            async with Fetcher(config.settings) as fetcher:
                result = await crawl(config, fetcher)
        finally:
            await server.close()
        pages = {p.url for p in result.pages["en"]}
        assert {f"{base}/en/a", f"{base}/en/b"} <= pages
        codes = {(f.code, f.url) for f in link_findings(result)}
        assert ("C108", f"{base}/bomb.xml.gz") in codes
        assert ("C109", f"{base}/bad.xml") in codes
