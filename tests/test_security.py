"""DESIGN.md §8 security, end to end through `linkcheck check` against real servers: the
crawler fetches only http(s) inside the configured scope, credentials go to their own origin
only (and never into a report), and the HTML report never turns web content into markup."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck import cli

SECRET = "s3cr3t-pw"


class Recorder:
    """A real server that records every request (host, path, Authorization header)."""

    def __init__(self, pages: dict[str, str], host: str = "127.0.0.1") -> None:
        self.pages = pages
        self.host = host
        self.requests: list[tuple[str, str | None]] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.server = TestServer(app, host=host)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path_qs, request.headers.get("Authorization")))
        body = self.pages.get(request.path)
        if body is None:
            return web.Response(status=404, text="not found")
        if body.startswith("REDIRECT "):
            raise web.HTTPFound(body.split(" ", 1)[1])
        return web.Response(text=body, content_type="text/html")

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.server.port}{path}"


@pytest.fixture
async def outside() -> AsyncIterator[Recorder]:
    """A host outside every configured scope (another loopback address)."""
    recorder = Recorder({"/": "<title>outside</title>", "/landing": "<title>landing</title>"})
    recorder.server = TestServer(recorder.server.app, host="127.0.0.2")
    await recorder.server.start_server()
    recorder.host = "127.0.0.2"
    yield recorder
    await recorder.server.close()


async def serve(pages: dict[str, str]) -> Recorder:
    recorder = Recorder(pages)
    await recorder.server.start_server()
    return recorder


async def run_check(tmp_path: Path, site: str, settings: str = "") -> tuple[int, Path]:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        f"version: 1\nsettings: {{retries: 0, rate: 1000{settings}}}\n"
        f"sites:\n  en: {{new: '{site}'}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    argv = ["check", str(cfg), "-o", str(out), "-q", "--format", "html,json,junit,md,sarif"]
    code = await asyncio.to_thread(cli.main, argv)
    return code, out


async def test_nothing_outside_the_scope_is_fetched(tmp_path: Path, outside: Recorder) -> None:
    """file:, javascript:, other schemes and a host outside the sites: never requested."""
    links = [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://127.0.0.2/x",
        "gopher://127.0.0.2/",
        outside.url("/"),
        outside.url("/page?x=1"),
        f"//127.0.0.2:{outside.server.port}/protocol-relative",
        "a.html",
    ]
    site = await serve(
        {
            "/en/": "<title>home</title>" + "".join(f'<a href="{u}">x</a>' for u in links),
            "/en/a.html": "<title>a</title>",
        }
    )
    try:
        code, out = await run_check(tmp_path, site.url("/en/"))
    finally:
        await site.server.close()
    assert code == 0
    assert outside.requests == []
    pages = sorted(path for path, _ in site.requests if path != "/robots.txt")
    assert pages == ["/en/", "/en/a.html"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["links"] == 1  # a.html (the seed is no link)


async def test_credentials_go_to_their_own_origin_only(tmp_path: Path, outside: Recorder) -> None:
    """A site written `http://user:pw@host/` is crawled with Basic auth on that origin; links
    and redirects to another host are requested without it, and no report holds it."""
    site = await serve(
        {
            "/en/": '<title>home</title><a href="a.html">a</a><a href="/en/away">away</a>'
            f'<a href="{outside.url("/")}">outside</a>',
            "/en/a.html": "<title>a</title>",
        }
    )
    site.pages["/en/away"] = "REDIRECT " + outside.url("/landing")
    new = site.url("/en/").replace("http://", f"http://editor:{SECRET}@")
    try:
        code, out = await run_check(tmp_path, new, ", check_external: true")
    finally:
        await site.server.close()
    assert code == 0
    assert {path for path, _ in site.requests} - {"/robots.txt"} == {
        "/en/",
        "/en/a.html",
        "/en/away",
    }
    assert all(auth is not None and auth.startswith("Basic ") for _, auth in site.requests)
    assert {path for path, _ in outside.requests} >= {"/", "/landing"}
    assert all(auth is None for _, auth in outside.requests)
    for path in out.iterdir():
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path.name


async def test_the_html_report_never_turns_web_content_into_markup(tmp_path: Path) -> None:
    site = await serve(
        {
            "/en/": "<title>x</title>"
            '<a href="/en/gone?q=<script>alert(1)</script>">a</a>'
            '<a href="/en/&quot;&gt;&lt;img src=x onerror=alert(2)&gt;">b</a>'
            '<a href="javascript:alert(3)">c</a>',
        }
    )
    try:
        code, out = await run_check(tmp_path, site.url("/en/"))
    finally:
        await site.server.close()
    assert code == 1
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "javascript:" not in page
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {f["code"] for f in report["findings"]} == {"C100"}
    assert not any("javascript" in f["url"] for f in report["findings"])


@pytest.mark.parametrize(
    ("url", "bare", "pair"),
    [
        ("http://h/en/", "http://h/en/", None),
        ("https://u:p@h:8443/en/", "https://h:8443/en/", ("u", "p")),
        ("https://u%40x:p%3Aw@h/", "https://h/", ("u@x", "p:w")),
        ("https://u@h/", "https://h/", ("u", "")),
    ],
)
def test_split_credentials(url: str, bare: str, pair: tuple[str, str] | None) -> None:
    from linkcheck.urls import split_credentials

    assert split_credentials(url) == (bare, pair)


@pytest.mark.parametrize("external", [False, True])
async def test_a_redirect_to_another_host_leaves_the_scope_only_with_check_external(
    tmp_path: Path, outside: Recorder, external: bool
) -> None:
    """An in-scope link and a legacy counterpart that redirect to another host: without
    `check_external` nothing is requested there (not even robots.txt); the link is C102 (it
    does redirect), never broken; the counterpart is C106 (not checked), not L201."""
    site = await serve(
        {
            "/en/": '<title>home</title><a href="/en/away">away</a>',
            "/en/away": "REDIRECT " + outside.url("/landing"),
            "/old/": "REDIRECT " + outside.url("/"),
        }
    )
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\n"
        f"settings: {{retries: 0, rate: 1000, check_external: {str(external).lower()}}}\n"
        f"sites:\n  en: {{new: '{site.url('/en/')}', legacy: '{site.url('/old/')}',\n"
        "    counterpart: {pattern: {match: '^/en/$', legacy: '/old/'}}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    try:
        await asyncio.to_thread(cli.main, ["check", str(cfg), "-o", str(out), "-q"])
    finally:
        await site.server.close()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    codes = {f["code"]: f for f in report["findings"]}
    assert {"C100", "C101", "L201"}.isdisjoint(codes)
    assert codes["C102"]["details"]["final"] == outside.url("/landing")
    if external:
        assert {path for path, _ in outside.requests} >= {"/robots.txt", "/landing", "/"}
        assert "C106" not in codes
    else:
        assert outside.requests == []
        assert codes["C106"]["details"]["final"] == outside.url("/")


async def test_a_map_target_on_another_host_is_verified_without_check_external(
    tmp_path: Path, outside: Recorder
) -> None:
    """The redirect map declares that host: following the redirect there is what verifying
    the rule means, so it is in scope; nothing else there is requested."""
    site = await serve(
        {"/en/": "<title>home</title>", "/moved": "REDIRECT " + outside.url("/landing")}
    )
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsettings: {retries: 0, rate: 1000}\n"
        f"sites:\n  en: {{new: '{site.url('/en/')}'}}\n"
        f"redirects:\n  - {{from: '{site.url('/moved')}', to: '{outside.url('/landing')}',"
        " status: 302}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    try:
        code = await asyncio.to_thread(cli.main, ["check", str(cfg), "-o", str(out), "-q"])
    finally:
        await site.server.close()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in report["findings"]] == []
    assert code == 0
    assert {path for path, _ in outside.requests} == {"/robots.txt", "/landing"}
