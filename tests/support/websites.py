"""Small real websites for tests: a table of paths served by aiohttp.web on 127.0.0.1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck.config import Config, load_config

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


@dataclass(frozen=True)
class Page:
    """What one path answers: HTML body (or a redirect `location`), status, content type."""

    body: str = ""
    status: int = 200
    location: str | None = None
    content_type: str = "text/html"
    headers: Mapping[str, str] = field(default_factory=dict)


def html(*links: str, title: str = "", extra: str = "") -> Page:
    anchors = "".join(f'<a href="{href}">{href}</a>' for href in links)
    return Page(f"<html><head><title>{title}</title></head><body>{anchors}{extra}</body></html>")


@dataclass
class Site:
    """A running site: its base URL and how often each path was requested."""

    server: TestServer
    hits: Counter[str]

    def url(self, path: str = "/") -> str:
        return str(self.server.make_url(path))

    @property
    def origin(self) -> str:
        return self.url("/").rstrip("/")


async def serve(aiohttp_server: ServerFactory, pages: Mapping[str, Page]) -> Site:
    """Serve `pages` (unknown paths answer 404) and count the requests per path."""
    hits: Counter[str] = Counter()

    async def handler(request: web.Request) -> web.StreamResponse:
        path = request.raw_path.split("?", 1)[0]
        hits[path] += 1
        page = pages.get(path)
        if page is None:
            return web.Response(status=404, text="<h1>Not found</h1>", content_type="text/html")
        headers = dict(page.headers)
        if page.location is not None:
            headers["Location"] = page.location
        return web.Response(
            status=page.status,
            body=page.body.encode(),
            headers={"Content-Type": page.content_type, **headers},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = await aiohttp_server(app)
    return Site(server, hits)


def write_config(tmp_path: Path, text: str, name: str = "redirects.yaml") -> Config:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_config(path)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve_handler(handler: Handler, path: str = "/{tail:.*}") -> TestServer:
    """`handler` answering GETs of `path` on 127.0.0.1, started; the caller closes it. For
    tests whose server outlives one fixture call (a run, a child process, a restart)."""
    app = web.Application()
    app.router.add_get(path, handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server
