"""fetch.py against real aiohttp.web servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck.config import Settings
from linkcheck.fetch import Fetcher, decode_body
from linkcheck.model import Hop

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

FAST = Settings(retries=2, retry_backoff=0.01, timeout=5.0, rate=1000.0)
GREEK = "Καλημέρα κόσμε, αυτή είναι μια παλιά σελίδα του αρχείου."


def url_of(server: TestServer, path: str) -> str:
    return str(server.make_url(path))


class TestRedirects:
    async def test_every_hop_is_recorded_with_absolute_locations(
        self, aiohttp_server: ServerFactory
    ) -> None:
        """Each 3xx becomes a Hop(url, status, absolute location) in order."""
        app = web.Application()
        app.router.add_get("/a", lambda r: web.HTTPMovedPermanently("/b"))
        app.router.add_get("/b", lambda r: web.HTTPFound("c"))
        app.router.add_get("/c", lambda r: web.Response(text="<p>ok</p>", content_type="text/html"))
        server = await aiohttp_server(app)
        async with Fetcher(FAST) as fetcher:
            response = await fetcher.fetch(url_of(server, "/a"))
        a, b, c = (url_of(server, p) for p in ("/a", "/b", "/c"))
        assert response.status == 200
        assert response.final_url == c
        assert response.hops == (Hop(a, 301, b), Hop(b, 302, c))
        assert response.text == "<p>ok</p>"

    async def test_follow_false_returns_the_first_answer(
        self, aiohttp_server: ServerFactory
    ) -> None:
        app = web.Application()
        app.router.add_get("/a", lambda r: web.HTTPMovedPermanently("/b"))
        server = await aiohttp_server(app)
        async with Fetcher(FAST) as fetcher:
            response = await fetcher.fetch(url_of(server, "/a"), follow=False)
        assert response.status == 301
        assert response.hops == ()
        assert response.header("location") == "/b"

    async def test_a_redirect_loop_is_detected(self, aiohttp_server: ServerFactory) -> None:
        app = web.Application()
        app.router.add_get("/l1", lambda r: web.HTTPFound("/l2"))
        app.router.add_get("/l2", lambda r: web.HTTPFound("/l1"))
        server = await aiohttp_server(app)
        async with Fetcher(FAST) as fetcher:
            response = await fetcher.fetch(url_of(server, "/l1"))
        assert response.status is None
        assert response.error_kind == "loop"
        assert len(response.hops) == 2

    async def test_more_hops_than_the_limit_stop(self, aiohttp_server: ServerFactory) -> None:
        async def endless(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(f"/n/{int(request.match_info['i']) + 1}")

        app = web.Application()
        app.router.add_get("/n/{i}", endless)
        server = await aiohttp_server(app)
        async with Fetcher(replace(FAST, max_hops=3)) as fetcher:
            response = await fetcher.fetch(url_of(server, "/n/0"))
        assert response.status is None
        assert response.error_kind == "too_many_redirects"
        assert len(response.hops) == 4


class TestBody:
    async def test_a_gzip_bomb_stops_at_the_decoded_size_cap(
        self, aiohttp_server: ServerFactory
    ) -> None:
        """20 MB of zeros compressed to ~20 KB: reading stops at max_bytes of decoded data."""
        bomb = gzip.compress(b"<html>" + b"\0" * 20_000_000, compresslevel=9)

        async def handler(request: web.Request) -> web.Response:
            return web.Response(
                body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}
            )

        app = web.Application()
        app.router.add_get("/bomb", handler)
        server = await aiohttp_server(app)
        async with Fetcher(replace(FAST, max_bytes=1_000_000)) as fetcher:
            response = await fetcher.fetch(url_of(server, "/bomb"))
        assert len(bomb) < 100_000
        assert response.truncated
        assert response.error_kind == "too_large"
        assert response.text is None
        assert response.status == 200

    @pytest.mark.parametrize(
        ("content_type", "body", "charset"),
        [
            ("text/html; charset=iso-8859-7", f"<p>{GREEK}</p>".encode("iso-8859-7"), "iso8859-7"),
            (
                "text/html",
                (
                    '<html><head><meta http-equiv="Content-Type" '
                    'content="text/html; charset=ISO-8859-7">'
                    f"</head><body><p>{GREEK}</p></body></html>"
                ).encode("iso-8859-7"),
                "iso8859-7",
            ),
            (
                "text/html",
                f'<meta charset="iso-8859-7"><p>{GREEK}</p>'.encode("iso-8859-7"),
                "iso8859-7",
            ),
            ("text/html", f"<p>{GREEK}</p>".encode(), "utf-8"),
        ],
        ids=["header", "meta-http-equiv", "meta-charset", "undeclared-utf8"],
    )
    async def test_the_body_is_decoded_with_the_right_charset(
        self, aiohttp_server: ServerFactory, content_type: str, body: bytes, charset: str
    ) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=body, headers={"Content-Type": content_type})

        app = web.Application()
        app.router.add_get("/p", handler)
        server = await aiohttp_server(app)
        async with Fetcher(FAST) as fetcher:
            response = await fetcher.fetch(url_of(server, "/p"))
        assert response.text is not None and GREEK in response.text
        assert response.charset == charset

    @pytest.mark.parametrize(
        ("data", "header", "expected"),
        [
            (b"\xef\xbb\xbf<p>\xc3\xa9</p>", "iso-8859-1", "<p>é</p>"),  # BOM wins
            ("<p>é</p>".encode("cp1252"), "latin-1", "<p>é</p>"),
            ("<p>€</p>".encode("cp1252"), "iso-8859-1", "<p>€</p>"),  # latin-1 read as cp1252
            (b"<p>plain</p>", "no-such-charset", "<p>plain</p>"),
        ],
    )
    def test_decode_body_precedence(self, data: bytes, header: str, expected: str) -> None:
        assert decode_body(data, header)[0] == expected

    def test_undeclared_legacy_greek_is_detected(self) -> None:
        text = " ".join([GREEK] * 20)
        decoded, _ = decode_body(f"<p>{text}</p>".encode("iso-8859-7"), None)
        assert GREEK in decoded

    async def test_images_are_not_read(self, aiohttp_server: ServerFactory) -> None:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=b"\x89PNG" * 100, content_type="image/png")

        app = web.Application()
        app.router.add_get("/i.png", handler)
        server = await aiohttp_server(app)
        async with Fetcher(FAST) as fetcher:
            response = await fetcher.fetch(url_of(server, "/i.png"))
        assert response.status == 200 and response.text is None


class TestRetries:
    async def test_server_errors_are_retried_until_success(
        self, aiohttp_server: ServerFactory
    ) -> None:
        seen: list[float] = []

        async def flaky(request: web.Request) -> web.Response:
            seen.append(time.monotonic())
            if len(seen) < 3:
                return web.Response(status=503)
            return web.Response(text="fine", content_type="text/html")

        app = web.Application()
        app.router.add_get("/f", flaky)
        server = await aiohttp_server(app)
        async with Fetcher(FAST) as fetcher:
            response = await fetcher.fetch(url_of(server, "/f"))
        assert response.status == 200
        assert len(seen) == 3

    async def test_retries_are_bounded(self, aiohttp_server: ServerFactory) -> None:
        seen: list[float] = []

        async def down(request: web.Request) -> web.Response:
            seen.append(time.monotonic())
            return web.Response(status=500)

        app = web.Application()
        app.router.add_get("/d", down)
        server = await aiohttp_server(app)
        async with Fetcher(replace(FAST, retries=1)) as fetcher:
            response = await fetcher.fetch(url_of(server, "/d"))
        assert response.status == 500
        assert len(seen) == 2

    async def test_retry_after_is_waited_out(self, aiohttp_server: ServerFactory) -> None:
        """The retry comes after the delay the server asked for (uses one retry)."""
        seen: list[float] = []

        async def limited(request: web.Request) -> web.Response:
            seen.append(time.monotonic())
            if len(seen) == 1:
                return web.Response(status=429, headers={"Retry-After": "1"})
            return web.Response(text="ok", content_type="text/html")

        app = web.Application()
        app.router.add_get("/r", limited)
        server = await aiohttp_server(app)
        async with Fetcher(replace(FAST, retries=1)) as fetcher:
            response = await fetcher.fetch(url_of(server, "/r"))
        assert response.status == 200
        assert len(seen) == 2
        assert seen[1] - seen[0] >= 0.9

    async def test_connection_refused_is_a_connect_error(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        async with Fetcher(replace(FAST, retries=1)) as fetcher:
            response = await fetcher.fetch(f"http://127.0.0.1:{port}/")
        assert response.status is None
        assert response.error_kind == "connect"

    async def test_a_stalled_server_times_out(self, aiohttp_server: ServerFactory) -> None:
        async def stall(request: web.Request) -> web.Response:
            await asyncio.sleep(5)
            return web.Response(text="late")

        app = web.Application()
        app.router.add_get("/s", stall)
        server = await aiohttp_server(app)
        async with Fetcher(replace(FAST, retries=0, timeout=0.2)) as fetcher:
            response = await fetcher.fetch(url_of(server, "/s"))
        assert response.status is None
        assert response.error_kind == "timeout"


class TestTimeouts:
    """The shared deadline timer behaves like one asyncio.timeout per request."""

    @staticmethod
    async def stalling_server(aiohttp_server: ServerFactory) -> TestServer:
        async def handler(request: web.Request) -> web.Response:
            delay = float(request.query.get("delay", "0"))
            await asyncio.sleep(delay)
            return web.Response(text="x", content_type="text/html")

        app = web.Application()
        app.router.add_get("/", handler)
        return await aiohttp_server(app)

    async def test_each_request_gets_its_own_deadline(self, aiohttp_server: ServerFactory) -> None:
        """Stalled requests started at different times all time out; quick ones between
        them are answered (the one timer re-arms itself for the next deadline)."""
        server = await self.stalling_server(aiohttp_server)
        async with Fetcher(replace(FAST, retries=0, timeout=1.0)) as fetcher:

            async def later(delay: float, url: str) -> str | None:
                await asyncio.sleep(delay)
                return (await fetcher.fetch(url)).error_kind

            stalled, quick = url_of(server, "/?delay=4"), url_of(server, "/")
            kinds = await asyncio.gather(
                later(0.0, stalled),
                later(0.0, quick),
                later(0.3, stalled),  # due after the first deadline fired: the timer re-arms
                later(0.6, quick),
            )
            kinds.append(await later(0.0, stalled))  # no request in flight: a new timer
        assert kinds == ["timeout", None, "timeout", None, "timeout"]

    async def test_a_timed_out_request_leaves_the_task_uncancelled(
        self, aiohttp_server: ServerFactory
    ) -> None:
        """After a timeout the task counts no pending cancellation: a caller's own
        asyncio.timeout around it still works as usual."""
        server = await self.stalling_server(aiohttp_server)
        async with Fetcher(replace(FAST, retries=0, timeout=0.2)) as fetcher:
            async with asyncio.timeout(10):
                response = await fetcher.fetch(url_of(server, "/?delay=5"))
                task = asyncio.current_task()
                assert task is not None and task.cancelling() == 0
            again = await fetcher.fetch(url_of(server, "/"))
        assert response.error_kind == "timeout"
        assert again.status == 200

    async def test_a_cancellation_from_the_caller_is_not_a_timeout(
        self, aiohttp_server: ServerFactory
    ) -> None:
        server = await self.stalling_server(aiohttp_server)
        async with Fetcher(replace(FAST, retries=0, timeout=5)) as fetcher:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await fetcher.fetch(url_of(server, "/?delay=5"))
            task = asyncio.create_task(fetcher.fetch(url_of(server, "/?delay=5")))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert (await fetcher.fetch(url_of(server, "/"))).status == 200


class TestPoliteness:
    async def test_per_host_caps_requests_in_flight(self, aiohttp_server: ServerFactory) -> None:
        state = {"now": 0, "max": 0}

        async def slow(request: web.Request) -> web.Response:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            await asyncio.sleep(0.02)
            state["now"] -= 1
            return web.Response(text="x", content_type="text/html")

        app = web.Application()
        app.router.add_get("/{n}", slow)
        server = await aiohttp_server(app)
        async with Fetcher(replace(FAST, per_host=3, concurrency=20)) as fetcher:
            responses = await asyncio.gather(
                *(fetcher.fetch(url_of(server, f"/{n}")) for n in range(30))
            )
        assert all(r.status == 200 for r in responses)
        assert 1 <= state["max"] <= 3

    async def test_rate_caps_starts_in_any_one_second_window(
        self, aiohttp_server: ServerFactory
    ) -> None:
        starts: list[float] = []

        async def handler(request: web.Request) -> web.Response:
            starts.append(time.monotonic())
            return web.Response(text="x", content_type="text/html")

        app = web.Application()
        app.router.add_get("/{n}", handler)
        server = await aiohttp_server(app)
        async with Fetcher(replace(FAST, rate=4.0)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(url_of(server, f"/{n}")) for n in range(6)))
        starts.sort()
        # Generous: within any 0.9 s (server-side times), never more than 4 starts.
        assert all(sum(1 for t in starts if s <= t < s + 0.9) <= 4 for s in starts), starts

    async def test_a_rate_start_moves_to_when_the_request_was_sent(
        self, aiohttp_server: ServerFactory
    ) -> None:
        """The limiter's start cell is stamped when the headers leave (not left at admission)."""

        async def handler(request: web.Request) -> web.Response:
            return web.Response(text="x", content_type="text/html")

        app = web.Application()
        app.router.add_get("/", handler)
        server = await aiohttp_server(app)
        async with Fetcher(FAST) as fetcher:
            cell = [0.0]
            answer = await fetcher._exchange(url_of(server, "/"), "GET", True, cell=cell)
        assert answer.status == 200
        assert cell[0] > 0.0


class TestScope:
    async def test_non_http_urls_are_never_fetched(self) -> None:
        async with Fetcher(FAST) as fetcher:
            response = await fetcher.fetch("ftp://127.0.0.1/file")
        assert response.status is None and response.error_kind == "scope"

    async def test_remap_fetches_staging_but_records_production_urls(
        self, aiohttp_server: ServerFactory
    ) -> None:
        app = web.Application()
        server_box: list[TestServer] = []

        async def moved(request: web.Request) -> web.Response:
            raise web.HTTPMovedPermanently(url_of(server_box[0], "/new"))

        app.router.add_get("/old", moved)
        app.router.add_get("/new", lambda r: web.Response(text="n", content_type="text/html"))
        server = await aiohttp_server(app)
        server_box.append(server)
        staging = url_of(server, "/")
        prod = "https://www.example.org/"
        async with Fetcher(FAST, remap=[(prod, staging)]) as fetcher:
            response = await fetcher.fetch(prod + "old")
        assert response.status == 200
        assert response.url == prod + "old"
        assert response.final_url == prod + "new"
        assert response.hops == (Hop(prod + "old", 301, prod + "new"),)


class TestHostileServers:
    @pytest.mark.parametrize(
        ("reply", "kinds"),
        [
            (b"garbage without http\r\n\r\n", {"protocol"}),
            (b"", {"protocol", "network"}),  # connection closed without an answer
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/html\r\n\r\nshort",
                {"protocol", "network"},
            ),
        ],
        ids=["garbage", "closed", "short-body"],
    )
    async def test_broken_answers_become_error_kinds_after_retries(
        self, reply: bytes, kinds: set[str]
    ) -> None:
        connections = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, Fetcher(replace(FAST, retries=1)) as fetcher:
            response = await fetcher.fetch(f"http://127.0.0.1:{port}/")
        assert response.status is None
        assert response.error_kind in kinds
        assert connections >= 2  # retried (aiohttp may also retry a dropped connection)


async def test_a_lower_case_raw_utf8_location_is_followed() -> None:
    """`location:` in any case, with a raw UTF-8 Greek path, is one hop to the encoded URL."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            if head.startswith(b"GET /old "):
                writer.write(
                    b"HTTP/1.1 301 Moved\r\nlocation: /el/"
                    + "άρθρα".encode()
                    + b"/\r\ncontent-length: 0\r\n\r\n"
                )
            else:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\n\r\nok"
                )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, Fetcher(FAST) as fetcher:
        response = await fetcher.fetch(f"http://127.0.0.1:{port}/old")
    assert response.status == 200
    assert response.final_url == f"http://127.0.0.1:{port}/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/"
    assert len(response.hops) == 1


async def test_retry_after_pauses_the_whole_host(aiohttp_server: ServerFactory) -> None:
    """After a 429 with Retry-After, no other request starts on that host before the delay."""
    seen: list[tuple[str, float]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((request.path, time.monotonic()))
        if request.path == "/first" and len(seen) == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.Response(text="ok", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{name}", handler)
    server = await aiohttp_server(app)
    async with Fetcher(replace(FAST, retries=1)) as fetcher:
        first = asyncio.create_task(fetcher.fetch(url_of(server, "/first")))
        while not seen:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        second = await fetcher.fetch(url_of(server, "/second"))
        assert (await first).status == 200
    assert second.status == 200
    refused_at = seen[0][1]
    assert dict(seen)["/second"] - refused_at >= 0.9


class TestRedirectScope:
    """`allowed`: a redirect out of the scope is recorded, never followed (DESIGN.md §8)."""

    @staticmethod
    async def outside_server() -> tuple[TestServer, list[str]]:
        """A counting server on another loopback address (127.0.0.2): another host."""
        requests: list[str] = []

        async def handle(request: web.Request) -> web.Response:
            requests.append(request.path_qs)
            return web.Response(text="<title>outside</title>", content_type="text/html")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        server = TestServer(app, host="127.0.0.2")
        await server.start_server()
        return server, requests

    @pytest.mark.parametrize("in_scope", [False, True])
    async def test_a_redirect_to_another_host_is_followed_only_when_allowed(
        self, aiohttp_server: ServerFactory, in_scope: bool
    ) -> None:
        outside, requests = await self.outside_server()
        target = url_of(outside, "/landing")
        app = web.Application()
        app.router.add_get("/away", lambda r: web.HTTPFound(target))
        app.router.add_get("/robots.txt", lambda r: web.Response(text="User-agent: *\n"))
        server = await aiohttp_server(app)
        hosts = {"127.0.0.1", "127.0.0.2"} if in_scope else {"127.0.0.1"}
        try:
            async with Fetcher(
                FAST, robots=True, allowed=lambda url: url.split("/")[2].split(":")[0] in hosts
            ) as fetcher:
                response = await fetcher.fetch(url_of(server, "/away"))
        finally:
            await outside.close()
        assert response.hops == (Hop(url_of(server, "/away"), 302, target),)
        assert response.final_url == target
        if in_scope:
            assert response.status == 200
            assert requests == ["/robots.txt", "/landing"]
        else:
            assert (response.status, response.error_kind) == (None, "scope")
            assert response.error is not None and "not followed" in response.error
            assert requests == []  # not the page, not its robots.txt

    async def test_without_a_scope_redirects_go_anywhere_http(
        self, aiohttp_server: ServerFactory
    ) -> None:
        outside, requests = await self.outside_server()
        app = web.Application()
        app.router.add_get("/away", lambda r: web.HTTPFound(url_of(outside, "/x")))
        server = await aiohttp_server(app)
        try:
            async with Fetcher(FAST) as fetcher:
                response = await fetcher.fetch(url_of(server, "/away"))
        finally:
            await outside.close()
        assert response.status == 200
        assert requests == ["/x"]


async def test_only_the_origins_own_robots_txt_is_exempt_from_robots_txt(
    aiohttp_server: ServerFactory,
) -> None:
    """A page that happens to be called robots.txt, in a disallowed folder, is refused."""
    requests: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        requests.append(request.path)
        if request.path == "/robots.txt":
            return web.Response(text="User-agent: *\nDisallow: /sub/\n")
        return web.Response(text="x")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    server = await aiohttp_server(app)
    async with Fetcher(FAST, robots=True) as fetcher:
        nested = await fetcher.fetch(url_of(server, "/sub/robots.txt"))
        own = await fetcher.fetch(url_of(server, "/robots.txt?again"))
    assert (nested.status, nested.error_kind) == (None, "robots")
    assert own.status == 200
    assert requests == ["/robots.txt", "/robots.txt"]
