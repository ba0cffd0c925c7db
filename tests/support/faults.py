"""A fault-injecting web server on 127.0.0.1 for resilience and politeness tests.

One real aiohttp.web application serves well-behaved pages and every kind of misbehaviour
a crawler meets on the public web. Protocol-level garbage (bad status lines, broken headers,
resets) is written straight to the connection's transport from the handler, so every fault
lives on one origin and a single crawl from `/` discovers them all.

Paths (all GET/HEAD):

    /                        index page linking to every fault below (`FAULT_PATHS`)
    /ok, /page/{n}           ordinary pages
    /stall/headers           sends nothing until `stall` seconds have passed
    /stall/body              headers and half a page, then nothing for `stall` seconds
    /stall/drip              one byte every 0.2 s, for ever (a total-time timeout must fire)
    /reset                   TCP reset (SO_LINGER 0) as soon as the request is read
    /close                   connection closed without a byte
    /garbage/status          `HTTP/1.1 abc OK`
    /garbage/line            not HTTP at all
    /garbage/header          a header line without a colon
    /garbage/length          `Content-Length: -5`
    /garbage/chunked         a chunked body with an invalid chunk size
    /garbage/longheader      a header line of 64 KiB
    /bomb/gzip, /bomb/br     `bomb_size` bytes of zeros, gzip / brotli encoded (~KBs on the wire)
    /loop/a, /loop/b         a ↔ b redirect loop
    /redirect/{n}            → /redirect/{n+1} for ever
    /nolocation              302 without a Location header
    /badlocation             301 to an unparsable Location
    /cal/{y}/{m}             calendar trap: links to the next and previous months, for ever
    /malformed               broken HTML: unclosed tags, bad entities, odd hrefs
    /deep                    20,000 nested elements
    /huge                    `huge_size` bytes of uncompressed HTML, streamed
    /binary                  PNG bytes served as text/html
    /badcharset              windows-1251 bytes served as `charset=utf-8`
    /count/{name}            counting endpoint: holds each request `hold` s, records per host
    /retry/{key}             `retry_status` with Retry-After (`?after=S`, `?date=1` for an
                             HTTP-date, `?times=N` answers before a 200)
    /always503               503 every time (Retry-After: 0)
    /always500/{n}           500 every time, no Retry-After
    /robots.txt              `robots` text with `robots_status` (404 when None)

The counting endpoint records, per `Host` header, the start time of each request and the
highest number in flight at once; `rate_peak` computes the most starts in any sliding window.
Two hosts are available for per-host tests: bind `hosts=("127.0.0.1", "127.0.0.2")`.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import socket
import struct
import time
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import brotli
from aiohttp import web

FAULT_PATHS: tuple[str, ...] = (
    "/ok",
    "/stall/headers",
    "/stall/body",
    "/stall/drip",
    "/reset",
    "/close",
    "/garbage/status",
    "/garbage/line",
    "/garbage/header",
    "/garbage/length",
    "/garbage/chunked",
    "/garbage/longheader",
    "/bomb/gzip",
    "/bomb/br",
    "/loop/a",
    "/redirect/0",
    "/nolocation",
    "/badlocation",
    "/cal/2026/11",
    "/malformed",
    "/deep",
    "/huge",
    "/binary",
    "/badcharset",
    "/always503",
)
"""What the index page links to: one crawl from `/` meets every fault."""

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16

MALFORMED = (
    "<html><head><title>Malformed <b>page</title><body>"
    "<a href='/page/1'>one<a href=\"/page/2\"<div><p><<<>>> &#xffffff; &bogus; &amp"
    "<a href=javascript:alert(1)>js</a><a href='http://[::1'>bad url</a>"
    "<a href='mailto:x@example.org'>mail</a><a href=\"/page/3\x00x\">nul</a>"
    "<a href='/page/4'><table><tr><td><a href='/page/5'>unclosed"
    "<script>document.write('<a href=\"/never\">')</script><!-- <a href='/comment'> "
)


@dataclass
class Counting:
    """What the counting endpoint saw for one host."""

    starts: list[float] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def rate_peak(self, window: float = 1.0) -> int:
        """The most request starts in any sliding window of `window` seconds."""
        starts = sorted(self.starts)
        best = 0
        j = 0
        for i, start in enumerate(starts):
            while starts[j] <= start - window:
                j += 1
            best = max(best, i - j + 1)
        return best


def _raw(request: web.Request, data: bytes, *, reset: bool = False) -> web.StreamResponse:
    """Write `data` straight to the socket and drop the connection (RST if `reset`)."""
    transport = request.transport
    if transport is None:
        raise web.HTTPInternalServerError()
    if data:
        transport.write(data)
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    return web.Response(status=204)  # never sent: the transport is gone


class FaultServer:
    """The fault server: `async with FaultServer() as server: server.url("/reset")`."""

    def __init__(
        self,
        *,
        hosts: Sequence[str] = ("127.0.0.1",),
        stall: float = 5.0,
        bomb_size: int = 64 * 1024 * 1024,
        huge_size: int = 16 * 1024 * 1024,
        hold: float = 0.05,
        robots: str | None = None,
        robots_status: int = 200,
        retry_status: int = 429,
    ) -> None:
        self.hosts = tuple(hosts)
        self.stall = stall
        self.bomb_size = bomb_size
        self.huge_size = huge_size
        self.hold = hold
        self.robots = robots
        self.robots_status = robots_status
        self.retry_status = retry_status
        self.port = 0
        self.counting: dict[str, Counting] = defaultdict(Counting)
        self.retries: dict[str, list[float]] = defaultdict(list)
        self.hits: dict[str, int] = defaultdict(int)
        self.user_agents: set[str] = set()
        self._closing = asyncio.Event()
        self._bombs: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> FaultServer:
        app = web.Application(middlewares=[self._count_hits])
        app.router.add_get("/", self.index)
        app.router.add_get("/robots.txt", self.robots_txt)
        app.router.add_get("/ok", self.page)
        app.router.add_get("/page/{n}", self.page)
        app.router.add_get("/stall/headers", self.stall_headers)
        app.router.add_get("/stall/body", self.stall_body)
        app.router.add_get("/stall/drip", self.stall_drip)
        app.router.add_get("/reset", self.reset)
        app.router.add_get("/close", self.close_silently)
        app.router.add_get("/garbage/{kind}", self.garbage)
        app.router.add_get("/bomb/{kind}", self.bomb)
        app.router.add_get("/loop/{side}", self.loop)
        app.router.add_get("/redirect/{n}", self.redirect)
        app.router.add_get("/nolocation", self.nolocation)
        app.router.add_get("/badlocation", self.badlocation)
        app.router.add_get(r"/cal/{y:\d+}/{m:\d+}", self.calendar)
        app.router.add_get("/malformed", self.malformed)
        app.router.add_get("/deep", self.deep)
        app.router.add_get("/huge", self.huge)
        app.router.add_get("/binary", self.binary)
        app.router.add_get("/badcharset", self.badcharset)
        app.router.add_get("/count/{name}", self.count)
        app.router.add_get("/retry/{key}", self.retry)
        app.router.add_get("/always503", self.always503)
        app.router.add_get("/always500/{n}", self.always500)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handle_signals=False)
        await self._runner.setup()
        for host in self.hosts:
            site = web.TCPSite(self._runner, host, self.port)
            await site.start()
            if not self.port:
                self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"http://{host or self.hosts[0]}:{self.port}{path}"

    async def _rest(self, seconds: float) -> None:
        """Sleep, but wake at once when the server shuts down."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    @web.middleware
    async def _count_hits(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.user_agents.add(request.headers.get("User-Agent", ""))
        response: web.StreamResponse = await handler(request)
        return response

    # -- well-behaved ------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        links = "".join(f'<li><a href="{path}">{path}</a></li>' for path in FAULT_PATHS)
        return web.Response(
            text="<!doctype html><html><head><title>Faults</title></head>"
            f"<body><ul>{links}</ul></body></html>",
            content_type="text/html",
        )

    async def page(self, request: web.Request) -> web.Response:
        n = request.match_info.get("n", "ok")
        return web.Response(
            text=f"<html><head><title>Page {n}</title></head><body><p id='top'>Page {n}</p>"
            "<a href='/'>home</a></body></html>",
            content_type="text/html",
        )

    async def robots_txt(self, request: web.Request) -> web.Response:
        if self.robots is None:
            raise web.HTTPNotFound()
        return web.Response(text=self.robots, content_type="text/plain", status=self.robots_status)

    # -- stalls ------------------------------------------------------------------------

    async def stall_headers(self, request: web.Request) -> web.Response:
        await self._rest(self.stall)
        return web.Response(text="<html>late</html>", content_type="text/html")

    async def stall_body(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = 4096
        await response.prepare(request)
        with contextlib.suppress(ConnectionError, RuntimeError):  # the client gave up
            await response.write(b"<html><body>" + b"x" * 1000)
            await self._rest(self.stall)
        return response

    async def stall_drip(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        deadline = time.monotonic() + self.stall
        with contextlib.suppress(ConnectionError, RuntimeError):  # the client gave up
            while time.monotonic() < deadline and not self._closing.is_set():
                await response.write(b"<")
                await self._rest(0.2)
        return response

    # -- connection and protocol garbage -----------------------------------------------

    async def reset(self, request: web.Request) -> web.StreamResponse:
        return _raw(request, b"", reset=True)

    async def close_silently(self, request: web.Request) -> web.StreamResponse:
        return _raw(request, b"")

    async def garbage(self, request: web.Request) -> web.StreamResponse:
        kind = request.match_info["kind"]
        body = b"<html>garbage</html>"
        heads = {
            "status": b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
            "line": b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n",
            "header": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nBroken header line\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body,
            "length": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: -5\r\n\r\n"
            + body,
            "chunked": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\nnot a chunk\r\n0\r\n\r\n",
            "longheader": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 65536 + b"\r\n\r\n",
        }
        if kind not in heads:
            raise web.HTTPNotFound()
        return _raw(request, heads[kind])

    # -- compression bombs -------------------------------------------------------------

    def _bomb(self, kind: str) -> bytes:
        """`bomb_size` zero bytes (after an HTML start), compressed; built once per server."""
        if kind not in self._bombs:
            chunk = bytes(1024 * 1024)
            remaining = self.bomb_size
            parts: list[bytes] = []
            if kind == "gzip":
                gz = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
                parts.append(gz.compress(b"<html><body>"))
                while remaining > 0:
                    parts.append(gz.compress(chunk[: min(remaining, len(chunk))]))
                    remaining -= len(chunk)
                parts.append(gz.flush())
            else:
                br = brotli.Compressor(quality=5)
                parts.append(br.process(b"<html><body>"))
                while remaining > 0:
                    parts.append(br.process(chunk[: min(remaining, len(chunk))]))
                    remaining -= len(chunk)
                parts.append(br.finish())
            self._bombs[kind] = b"".join(parts)
        return self._bombs[kind]

    async def bomb(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        if kind not in ("gzip", "br"):
            raise web.HTTPNotFound()
        data = self._bomb(kind)
        return web.Response(
            body=data,
            headers={"Content-Type": "text/html", "Content-Encoding": kind},
        )

    # -- redirects and traps -----------------------------------------------------------

    async def loop(self, request: web.Request) -> web.Response:
        other = "b" if request.match_info["side"] == "a" else "a"
        raise web.HTTPFound(f"/loop/{other}")

    async def redirect(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"]) if request.match_info["n"].isdigit() else 0
        raise web.HTTPFound(f"/redirect/{n + 1}")

    async def nolocation(self, request: web.Request) -> web.Response:
        return web.Response(status=302, text="moved, but where?")

    async def badlocation(self, request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": "http://[::1:99999/x"})

    async def calendar(self, request: web.Request) -> web.Response:
        year, month = int(request.match_info["y"]), int(request.match_info["m"])
        nxt = (year + month // 12, month % 12 + 1)
        prev = (year - (month == 1), 12 if month == 1 else month - 1)
        return web.Response(
            text=f"<html><head><title>Calendar {year}-{month:02d}</title></head><body>"
            f"<a href='/cal/{nxt[0]}/{nxt[1]}'>next</a> <a href='/cal/{prev[0]}/{prev[1]}'>prev</a>"
            "</body></html>",
            content_type="text/html",
        )

    # -- bad content -------------------------------------------------------------------

    async def malformed(self, request: web.Request) -> web.Response:
        return web.Response(text=MALFORMED, content_type="text/html")

    async def deep(self, request: web.Request) -> web.Response:
        depth = 20_000
        html = "<html><body>" + "<div>" * depth + "<a href='/page/deep'>deep</a>" + "</div>" * depth
        return web.Response(text=html, content_type="text/html")

    async def huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        await response.prepare(request)
        chunk = b"<p>" + b"lorem ipsum " * 5000 + b"<a href='/page/huge'>x</a></p>\n"
        sent = 0
        try:
            await response.write(b"<html><body>")
            while sent < self.huge_size and not self._closing.is_set():
                await response.write(chunk)
                sent += len(chunk)
            await response.write(b"</body></html>")
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading at its cap: that is the point
        return response

    async def binary(self, request: web.Request) -> web.Response:
        return web.Response(body=PNG, headers={"Content-Type": "text/html; charset=utf-8"})

    async def badcharset(self, request: web.Request) -> web.Response:
        body = "<html><title>Новости</title><body><p>Привет, мир!</p></body></html>"
        return web.Response(
            body=body.encode("cp1251"), headers={"Content-Type": "text/html; charset=utf-8"}
        )

    # -- politeness --------------------------------------------------------------------

    async def count(self, request: web.Request) -> web.Response:
        stats = self.counting[request.host]
        stats.starts.append(time.monotonic())
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            await self._rest(self.hold)
        finally:
            stats.in_flight -= 1
        return web.Response(text="<html><body>counted</body></html>", content_type="text/html")

    async def retry(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        self.retries[key].append(time.monotonic())
        times = int(request.query.get("times", "1"))
        after = int(request.query.get("after", "1"))
        if len(self.retries[key]) > times:
            return web.Response(text="<html><body>finally</body></html>", content_type="text/html")
        if request.query.get("date"):
            # An HTTP-date has whole seconds: add one so the wait is at least `after`.
            value = email.utils.formatdate(time.time() + after + 1, usegmt=True)
        else:
            value = str(after)
        return web.Response(
            status=self.retry_status, headers={"Retry-After": value}, text="slow down"
        )

    async def always500(self, request: web.Request) -> web.Response:
        return web.Response(status=500, text="internal error")

    async def always503(self, request: web.Request) -> web.Response:
        return web.Response(status=503, headers={"Retry-After": "0"}, text="unavailable")
