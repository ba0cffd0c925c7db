"""URL shapes and the per-shape page budget against URL traps."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from linkcheck.traps import ShapeBudget, _parsed_shape, shape_of


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("http://a.example/cal/2026/11", "http://a.example/cal/N/N"),
        ("http://a.example/cal/1999/3", "http://a.example/cal/N/N"),
        ("http://a.example/en/articles/meeting/", "http://a.example/en/articles/meeting/"),
        ("http://a.example/p/page-12.html", "http://a.example/p/page-N.html"),
        ("http://a.example/s?q=1&sort=2&q=3", "http://a.example/s?q&sort"),
        (
            "http://a.example/item/3f2b8c1e-9d4a-4b7e-8f00-123456789abc/",
            "http://a.example/item/H/",
        ),
        ("http://a.example:8080/x/1", "http://a.example:8080/x/N"),
    ],
)
def test_shape_collapses_digits_ids_and_query_values(url: str, shape: str) -> None:
    assert shape_of(url) == shape


def test_a_chain_of_look_alike_pages_is_cut_at_the_limit() -> None:
    """A calendar: each month found on the previous one. Three hops, then refused."""
    budget = ShapeBudget(limit=3)
    months = [f"http://a.example/cal/2026/{m}" for m in range(1, 6)]
    admitted = [budget.admit(url, prev) for prev, url in itertools.pairwise(months)]
    assert admitted == [True, True, True, False]
    assert budget.exhausted == {"http://a.example/cal/N/N": months[4]}


def test_many_pages_of_one_shape_found_side_by_side_are_not_limited() -> None:
    """20,000 articles listed on index pages: each chain is one hop long."""
    budget = ShapeBudget(limit=3)
    assert all(
        budget.admit(f"http://a.example/articles/{i}.html", "http://a.example/index.html")
        for i in range(20_000)
    )


def test_a_different_shape_restarts_the_chain() -> None:
    budget = ShapeBudget(limit=1)
    assert budget.admit("http://a.example/p/2", "http://a.example/p/1")
    assert not budget.admit("http://a.example/p/3", "http://a.example/p/2")
    assert budget.admit("http://a.example/about", "http://a.example/p/2")
    assert budget.admit("http://a.example/p/9", "http://a.example/about")


def test_different_hosts_never_share_a_chain() -> None:
    budget = ShapeBudget(limit=1)
    assert budget.admit("http://b.example/cal/2", "http://a.example/cal/1")
    assert budget.admit("http://b.example/cal/3", "http://b.example/cal/2")
    assert not budget.admit("http://b.example/cal/4", "http://b.example/cal/3")


async def test_include_patterns_narrow_the_crawl(tmp_path: Path) -> None:
    """settings.include_urls: URLs no pattern matches are neither fetched nor reported."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from linkcheck.checks import link_findings
    from linkcheck.config import load_config
    from linkcheck.crawl import crawl
    from linkcheck.fetch import Fetcher

    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.path)
        links = (
            '<a href="/en/news/1">n</a><a href="/en/shop/cart">c</a><a href="/en/news/gone">g</a>'
        )
        if request.path == "/en/news/gone":
            raise web.HTTPNotFound()
        return web.Response(text=links, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        cfg = tmp_path / "redirects.yaml"
        cfg.write_text(
            "version: 1\nsettings: {retries: 0, rate: 1000, include_urls: ['/en/news/']}\n"
            f"sites:\n  en: {{new: '{server.make_url('/en/')}'}}\n",
            encoding="utf-8",
        )
        config = load_config(cfg)
        async with Fetcher(config.settings) as fetcher:
            result = await crawl(config, fetcher)
    finally:
        await server.close()
    assert "/en/shop/cart" not in hits
    assert sorted(set(hits)) == ["/en/", "/en/news/1", "/en/news/gone"]
    assert [f.code for f in link_findings(result)] == ["C100"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8711/",
        "http://127.0.0.1:8711",
        "https://example.org/en/articles/news/museum-report-0.html",
        "https://example.org/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/2026/11/",
        "https://example.org/cal/2026/11/",
        "https://example.org/item/0123456789abcdef0123/",
        "https://example.org/item/0123456789abcde/x",
        "https://user:pw@example.org:8443/a1/b22",
        "https://example.org/p?page=3&sort=a",
        "https://example.org/p#frag",
        "ftp://example.org/a1",
    ],
)
def test_the_fast_shape_is_the_parsed_shape(url: str) -> None:
    assert shape_of(url) == _parsed_shape(url)


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/", "/"),
        ("", ""),
        ("/a1/b22/c333", "/aN/bN/cN"),
        ("/item/0123456789abcdef0123/", "/item/H/"),
        ("/item/0123456789abcde/x2", "/item/Nabcde/xN"),  # 15 characters: not an id
        ("/item/0123456789ABCDEF/9", "/item/H/N"),
        ("/x/abcdefabcdefabcdef/1", "/x/abcdefabcdefabcdef/N"),  # no digit: not an id
        ("/el/%CE%AC%CF%81/2026/11/", "/el/%CE%AC%CF%N/N/N/"),
        ("//a//1//", "//a//N//"),
    ],
)
def test_a_path_shape_collapses_digits_and_long_hex_ids(path: str, shape: str) -> None:
    from linkcheck.traps import _path_shape

    assert _path_shape(path) == shape
