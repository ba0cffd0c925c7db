"""--remap FROM=TO: sane prefixes, and a staging copy checked with the production config."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck.checks import link_findings
from linkcheck.cli import _remap
from linkcheck.config import load_config
from linkcheck.crawl import crawl
from linkcheck.fetch import Fetcher


@pytest.mark.parametrize(
    ("value", "pair"),
    [
        (
            "https://Inter.Example.org/en/=http://127.0.0.1:8080/en/",
            ("https://inter.example.org/en/", "http://127.0.0.1:8080/en/"),
        ),
        (
            "https://a.example=http://127.0.0.1:8080",
            ("https://a.example/", "http://127.0.0.1:8080/"),
        ),
        (
            "https://a.example/en/=http://s.example/en",
            ("https://a.example/en/", "http://s.example/en/"),
        ),
        (
            "https://a.example/en=http://s.example/en/",
            ("https://a.example/en", "http://s.example/en"),
        ),
    ],
)
def test_remap_prefixes_are_normalised_and_agree_on_the_slash(
    value: str, pair: tuple[str, str]
) -> None:
    assert _remap(value) == pair


@pytest.mark.parametrize(
    "value",
    ["https://a.example", "=http://b", "ftp://a.example/=http://b/", "https://a/=https://a/",
     "https://a/?x=1=https://b/", "https://a:99999/=http://b/"],
)  # fmt: skip
def test_bad_remap_is_a_usage_error(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        _remap(value)


async def test_staging_copy_is_crawled_under_production_urls(tmp_path: Path) -> None:
    """Production is unresolvable here; every request goes to staging; robots.txt of the
    staging copy (which disallows everything, as staging copies do) does not apply."""
    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.path == "/robots.txt":
            return web.Response(text="User-agent: *\nDisallow: /\n")
        if request.path == "/en/":
            body = '<a href="/en/a">a</a><a href="https://www.example.invalid/en/gone">g</a>'
            return web.Response(text=body, content_type="text/html")
        if request.path == "/en/a":
            raise web.HTTPFound("https://www.example.invalid/en/")
        raise web.HTTPNotFound()

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        staging = str(server.make_url("/"))
        cfg = tmp_path / "redirects.yaml"
        cfg.write_text(
            "version: 1\nsettings: {retries: 0, rate: 1000, timeout: 5}\n"
            "sites:\n  en: {new: 'https://www.example.invalid/en/'}\n",
            encoding="utf-8",
        )
        config = load_config(cfg)
        remap = [_remap(f"https://www.example.invalid/={staging}")]
        async with Fetcher(config.settings, remap=remap, robots=True) as fetcher:
            result = await crawl(config, fetcher)
    finally:
        await server.close()
    assert "/robots.txt" not in hits
    codes = {(f.code, f.url) for f in link_findings(result)}
    assert ("C100", "https://www.example.invalid/en/gone") in codes
    assert ("C102", "https://www.example.invalid/en/a") in codes
    assert {p.url for p in result.pages["en"]} == {"https://www.example.invalid/en/"}
