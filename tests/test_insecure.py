"""C104: http:// resources on https:// pages, found whether or not the target is checked."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck.checks import check_insecure, link_findings
from linkcheck.config import load_config
from linkcheck.crawl import CrawlResult, crawl
from linkcheck.fetch import Fetcher


def test_one_c104_per_insecure_url_with_its_https_pages() -> None:
    result = CrawlResult(
        insecure={"http://cdn.example/a.png": ["https://s.example/b", "https://s.example/a"]}
    )
    (finding,) = check_insecure(result)
    assert (finding.code, finding.url) == ("C104", "http://cdn.example/a.png")
    assert finding.details["sources"] == ["https://s.example/a", "https://s.example/b"]
    assert finding.details["secure"] == "https://cdn.example/a.png"


async def test_crawl_records_insecure_links_of_https_pages_only(tmp_path: Path) -> None:
    """An https site (served from a local http copy through --remap): its http:// image on
    another host is C104 though that host is not checked; https links are not."""

    async def handler(request: web.Request) -> web.Response:
        body = (
            '<img src="http://cdn.example.invalid/logo.png">'
            '<a href="https://secure.example.invalid/en/b">b</a>'
            '<a href="https://other.example.invalid/">fine</a>'
        )
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        cfg = tmp_path / "redirects.yaml"
        cfg.write_text(
            "version: 1\nsettings: {retries: 0, rate: 1000}\n"
            "sites:\n  en: {new: 'https://secure.example.invalid/en/'}\n",
            encoding="utf-8",
        )
        config = load_config(cfg)
        remap = [("https://secure.example.invalid/", str(server.make_url("/")))]
        async with Fetcher(config.settings, remap=remap) as fetcher:
            result = await crawl(config, fetcher)
    finally:
        await server.close()
    found = [f for f in link_findings(result) if f.code == "C104"]
    assert [(f.url, f.details["sources"]) for f in found] == [
        (
            "http://cdn.example.invalid/logo.png",
            ["https://secure.example.invalid/en/", "https://secure.example.invalid/en/b"],
        )
    ]
