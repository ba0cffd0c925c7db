"""The one network seam: an aiohttp session with politeness limits, retries and manual redirects.

`Fetcher.fetch` never raises for network trouble: every outcome is a `model.Response` (status
None plus `error`/`error_kind` when no answer came). Inside:

- one `aiohttp.ClientSession` for the whole run (connection reuse, DNS cache);
- a global limit (`concurrency`) and one `_HostLimiter` per host: `per_host` requests in
  flight and at most `rate` request starts in any sliding one-second window;
- `timeout` bounds one whole request, connect to last byte, not the wait for a free slot;
- retries with exponential backoff and jitter on network errors, 429 and 5xx; a Retry-After
  (seconds or HTTP-date, capped) is waited out and uses one retry; slots are released while
  waiting so other hosts keep going;
- redirects followed by hand, every hop recorded, with a hop limit and loop detection;
- bodies (HTML, XML, text) read in chunks up to `max_bytes` of decoded data, then decoded with
  the charset from BOM, header, `<meta>`, or detection.

`remap` sends requests for URLs starting with FROM to TO (a staging copy) while every record
keeps the configured URLs, so reports read like production.

`allowed` is the crawl scope (DESIGN.md §8: only http(s) inside the configured scope is
fetched): a redirect to a URL it refuses is recorded as a hop but not followed, and the
Response says so (`error_kind` "scope", `final_url` the refused location). The URLs the
callers ask for are their own scope decisions (crawl, pairing, verification); this guards
what the servers send us to.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import email.utils
import random
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from types import TracebackType
from typing import Protocol

import aiohttp
from aiohttp.connector import Connection
from yarl import URL

from linkcheck import encoding
from linkcheck.config import REDIRECT_STATUSES, Settings
from linkcheck.journal import Journal
from linkcheck.model import Hop, Response
from linkcheck.robots import RobotsCache, RobotsRules, is_robots_txt, product_token
from linkcheck.urls import (
    UrlError,
    is_http,
    origin_key,
    origin_of,
    resolve,
    unmap_url,
)

__all__ = ["FetchClient", "Fetcher", "decode_body"]

KEPT_HEADERS = frozenset(
    {
        "location",
        "content-type",
        "retry-after",
        "etag",
        "last-modified",
        "content-length",
        "content-language",
        "link",
    }
)
"""Response headers kept in the record (others are dropped to keep records small)."""

_TEXT_TYPES = ("html", "xml", "text/plain")
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 508, 509, 520, 521, 522, 523, 524})
_CHUNK = 65536
STRIKES_BEFORE_BACKOFF = 3
"""Consecutive 5xx/429 answers from one host before the whole host backs off."""
MAX_HOST_BACKOFF = 5.0
"""Longest host pause after repeated 5xx without Retry-After (Retry-After itself: up to
`settings.max_retry_wait`)."""


class _HostLimiter:
    """Politeness for one host: `per_host` in flight, at most `rate` starts per second.

    The rate is a sliding window over the start times of the last requests: with rate ≥ 1,
    at most floor(rate) starts in any one-second window; below 1, one start per 1/rate s.
    Each start is a one-element list that `_StampedRequest` moves forward to the moment the
    request headers actually left (after connecting): the server sees arrival times, and a
    first request delayed by its connection setup must not let later ones bunch up behind it.
    A 429/503 with Retry-After pauses the whole host, not only the request that got it.
    """

    __slots__ = ("_capacity", "_lock", "_paused_until", "_starts", "_strikes", "_window", "slots")

    def __init__(self, per_host: int, rate: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        if rate >= 1:
            self._capacity, self._window = int(rate), 1.0
        else:
            self._capacity, self._window = 1, 1.0 / rate
        self._starts: deque[list[float]] = deque()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self._strikes = 0

    # Host-level backoff: a Retry-After pauses every request to the host, not only the one
    # that got it; a run of server errors without one pauses the host a little longer each
    # time (STRIKES_BEFORE_BACKOFF in a row, then doubling up to MAX_HOST_BACKOFF).

    def paused(self) -> bool:
        # A host never paused skips the clock (this runs twice per request).
        return bool(self._paused_until) and (asyncio.get_running_loop().time() < self._paused_until)

    async def unpaused(self) -> None:
        """Return once the host is not paused (a Retry-After or a 5xx backoff is over)."""
        loop = asyncio.get_running_loop()
        while (wait := self._paused_until - loop.time()) > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until = max(self._paused_until, until)

    def outcome(self, status: int | None, retry_after: float | None, backoff: float) -> None:
        """Learn from one answer: pause on Retry-After, back off on repeated 5xx."""
        if status is None:
            return
        if status == 429 or status >= 500:
            self._strikes += 1
            if retry_after is not None:
                self.pause(retry_after)
            elif self._strikes >= STRIKES_BEFORE_BACKOFF:
                exponent = self._strikes - STRIKES_BEFORE_BACKOFF
                self.pause(min(backoff * 2**exponent, MAX_HOST_BACKOFF))
        else:
            self._strikes = 0

    def slow_to(self, interval: float) -> None:
        """At least `interval` seconds between starts (robots.txt Crawl-delay), if slower."""
        if interval > self._window / self._capacity:
            self._capacity, self._window = 1, interval

    def _admit(self, now: float) -> list[float] | None:
        starts = self._starts
        while starts and now - starts[0][0] >= self._window:
            starts.popleft()
        # Cells only move later (when sent), so counting them all is exact or cautious.
        if len(starts) < self._capacity:
            cell = [now]
            starts.append(cell)
            return cell
        return None

    def turn_now(self) -> list[float] | None:
        """A start cell if one more request may start right now without waiting, else None."""
        if self._lock.locked():
            return None  # others are waiting for their turn: queue behind them
        return self._admit(asyncio.get_running_loop().time())

    async def wait_turn(self) -> list[float]:
        """Return when one more request may start without exceeding the rate.

        The returned cell holds the start time; the request's trace updates it when sent.
        """
        loop = asyncio.get_running_loop()
        if not self._lock.locked():
            cell = self._admit(loop.time())
            if cell is not None:
                return cell
        async with self._lock:
            while True:
                now = loop.time()
                cell = self._admit(now)
                if cell is not None:
                    return cell
                oldest = min(c[0] for c in self._starts)
                await asyncio.sleep(max(oldest + self._window - now, 0.001) + 0.0005)


class _Deadlines:
    """`timeout` for every request in flight, with one timer for all of them.

    `with deadlines:` around a request is `asyncio.timeout(timeout)` (the task is cancelled
    at its deadline and the block raises TimeoutError; a cancellation from elsewhere passes
    through), but asyncio.timeout schedules and cancels a loop timer per request, ~5% of
    the Fetcher's CPU. Here every request has the same timeout, so the order in which
    requests start is the order of their deadlines: they sit in an insertion-ordered dict,
    and one timer, set for the oldest one's deadline, expires those due and re-arms itself.
    One task makes one request at a time (the dict is keyed by task).
    """

    __slots__ = ("_expired", "_running", "_timeout", "_timer")

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._running: dict[asyncio.Task[object], tuple[float, int]] = {}
        """Task → (deadline, its `cancelling()` count on entry), oldest first."""
        self._expired: dict[asyncio.Task[object], int] = {}
        self._timer: asyncio.TimerHandle | None = None

    def __enter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None and task not in self._running, "one request per task"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        self._running[task] = (deadline, task.cancelling())
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._expire)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self._running.pop(task, None) is not None:
            return
        cancelling = self._expired.pop(task)
        if task.uncancel() <= cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc

    def _expire(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        running = self._running
        while running:
            task = next(iter(running))
            deadline, cancelling = running[task]
            if deadline > now:
                self._timer = loop.call_at(deadline, self._expire)
                return
            del running[task]
            self._expired[task] = cancelling
            task.cancel()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class _Answer:
    """One HTTP exchange (no redirects followed), before it becomes a Response."""

    __slots__ = (
        "body",
        "charset",
        "content_type",
        "error",
        "error_kind",
        "headers",
        "retry_after",
        "size",
        "status",
        "text",
        "truncated",
        "unusable",
    )

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: tuple[tuple[str, str], ...] = ()
        self.content_type = ""
        self.text: str | None = None
        self.charset: str | None = None
        self.size = 0
        self.truncated = False
        self.unusable: str | None = None
        self.body: bytes | None = None
        self.error: str | None = None
        self.error_kind: str | None = None
        self.retry_after: float | None = None

    def location(self) -> str | None:
        for key, value in self.headers:
            if key.lower() == "location":
                return value
        return None


class FetchClient(Protocol):
    """What the run's stages need of a fetcher: a `Fetcher`, or its stand-in in another
    process (offload.py)."""

    @property
    def settings(self) -> Settings: ...

    async def fetch(
        self,
        url: str,
        *,
        follow: bool = True,
        method: str = "GET",
        read_body: bool = True,
        raw: bool = False,
    ) -> Response: ...

    @property
    def remapped(self) -> bool: ...

    def unmap(self, url: str) -> str: ...


class Fetcher:
    """The only object doing network I/O; use as `async with Fetcher(settings) as fetcher`."""

    def __init__(
        self,
        settings: Settings,
        *,
        remap: Sequence[tuple[str, str]] = (),
        robots: bool = False,
        robots_exempt: Collection[str] = (),
        journal: Journal | None = None,
        allowed: Callable[[str], bool] | None = None,
    ) -> None:
        """`robots`: honour robots.txt (`run.py` turns it on for every check; off by default
        so a Fetcher built for one job does exactly the requests it is asked for);
        `robots_exempt`: origins where it is not honoured (sites with `robots: false`);
        remapped URLs are exempt too (a staging copy usually disallows everything, and
        checking it is the point of `--remap`). `journal`: answer from and record into the
        run journal (resume, cache between runs). `allowed`: which (configured, unmapped)
        URLs a redirect may lead to; None follows redirects anywhere (http(s) only)."""
        self.settings = settings
        self._allowed = allowed
        self._remap = tuple(remap)
        self._robots_on = robots
        self._robots_exempt = frozenset(robots_exempt)
        self._robots_origins: dict[str, str] = {}
        self._robots = RobotsCache(self._load_robots, settings.user_agent)
        self._delays_applied: set[str] = set()
        self.journal = journal
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(settings.concurrency)
        self._deadlines = _Deadlines(settings.timeout)
        self._hosts: dict[str, _HostLimiter] = {}
        self._random = random.Random()
        self.requests = 0
        """HTTP exchanges made (each hop and each retry counts)."""

    async def __aenter__(self) -> Fetcher:
        settings = self.settings
        self._deadlines = _Deadlines(settings.timeout)  # its timer belongs to this loop
        connector = aiohttp.TCPConnector(
            limit=settings.concurrency,
            limit_per_host=settings.per_host,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            request_class=_StampedRequest,
            connector=connector,
            headers={"User-Agent": settings.user_agent, "Accept": "*/*"},
            timeout=aiohttp.ClientTimeout(total=None),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._deadlines.close()

    # ------------------------------------------------------------------ public

    async def fetch(
        self,
        url: str,
        *,
        follow: bool = True,
        method: str = "GET",
        read_body: bool = True,
        raw: bool = False,
    ) -> Response:
        """Request `url` (with its redirects when `follow`) and describe the outcome.

        `raw` also keeps the body bytes of any content type in `Response.body` (sitemaps,
        robots.txt). A URL robots.txt disallows is not requested: `error_kind` "robots".
        """
        journal = self.journal if not raw else None
        if journal is not None:
            replayed = journal.lookup(url, method=method, follow=follow, read_body=read_body)
            if replayed is not None:
                return replayed
            response = await self._fetch(url, follow, method, read_body, raw)
            journal.record(url, response, method=method, follow=follow, read_body=read_body)
            return response
        return await self._fetch(url, follow, method, read_body, raw)

    async def _fetch(
        self,
        url: str,
        follow: bool,
        method: str,
        read_body: bool,
        raw: bool,
        robots: bool = True,
    ) -> Response:
        started = time.monotonic()
        if not is_http(url):
            return Response(
                url, url, None, error="only http(s) URLs are fetched", error_kind="scope"
            )
        hops: list[Hop] = []
        seen = {url}
        current = url
        while True:
            refusal = await self._robots_refusal(current) if robots else None
            if refusal is not None:
                return self._failed(url, current, hops, started, refusal, "robots")
            conditional = None
            if self.journal is not None and not hops and not raw:
                conditional = self.journal.validators(
                    url, method=method, follow=follow, read_body=read_body
                )
            answer = await self._with_retries(
                current, method, read_body, raw, conditional.headers() if conditional else None
            )
            if conditional is not None and answer.status == 304:
                return conditional.response
            status = answer.status or 0
            location = answer.location() if 300 <= status < 400 else None
            redirect = status in REDIRECT_STATUSES
            if follow and redirect and not (location or "").strip():
                # A redirect that says not where to: no usable answer (C101), not a page.
                why = f"{answer.status} redirect without a Location header"
                return self._failed(url, current, hops, started, why, "protocol")
            if not follow or location is None or not 300 <= (answer.status or 0) < 400:
                return self._response(url, current, answer, hops, started)
            try:
                target = self.unmap(resolve(location, self._map(current)))
            except (UrlError, ValueError) as exc:
                why = f"{answer.status} redirect to an unusable Location: {exc}"
                return self._failed(url, current, hops, started, why, "protocol")
            target = target.partition("#")[0]
            assert answer.status is not None
            hops.append(Hop(current, answer.status, target))
            if target in seen:
                return self._failed(url, current, hops, started, "redirect loop", "loop")
            if len(hops) > self.settings.max_hops:
                return self._failed(
                    url,
                    current,
                    hops,
                    started,
                    f"more than {self.settings.max_hops} redirects",
                    "too_many_redirects",
                )
            if not is_http(target):
                return self._failed(
                    url, target, hops, started, "redirect to a non-http(s) URL", "scope"
                )
            if self._allowed is not None and not self._allowed(target):
                why = "redirects out of scope (another host, check_external off): not followed"
                return self._failed(url, target, hops, started, why, "scope")
            seen.add(target)
            current = target

    # ------------------------------------------------------------------ helpers

    def _map(self, url: str) -> str:
        for source, target in self._remap:
            if url.startswith(source):
                return target + url[len(source) :]
        return url

    @property
    def remapped(self) -> bool:
        """Whether `--remap` is in force (staging URLs may appear in pages)."""
        return bool(self._remap)

    def unmap(self, url: str) -> str:
        """The configured (production) URL of a URL on a remapped staging copy."""
        return unmap_url(url, self._remap)

    def _response(
        self, url: str, final: str, answer: _Answer, hops: list[Hop], started: float
    ) -> Response:
        return Response(
            url=url,
            final_url=final,
            status=answer.status,
            hops=tuple(hops),
            content_type=answer.content_type,
            text=answer.text,
            error=answer.error,
            error_kind=answer.error_kind,
            elapsed=time.monotonic() - started,
            size=answer.size,
            charset=answer.charset,
            truncated=answer.truncated,
            headers=answer.headers,
            unusable=answer.unusable,
            body=answer.body,
        )

    @staticmethod
    def _failed(
        url: str, final: str, hops: list[Hop], started: float, error: str, kind: str
    ) -> Response:
        return Response(
            url=url,
            final_url=final,
            status=None,
            hops=tuple(hops),
            error=error,
            error_kind=kind,
            elapsed=time.monotonic() - started,
        )

    def _auth(self, url: str) -> dict[str, str] | None:
        """The Authorization header for the configured credentials of `url`'s exact origin
        (scheme, host, port), if any; a URL carrying its own `user:password@` keeps those."""
        credentials = self.settings.credentials
        if not credentials or "@" in url.split("/", 3)[2]:
            return None
        pair = credentials.get(origin_of(url))
        if pair is None:
            return None
        token = base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}

    # ------------------------------------------------------------------ robots.txt

    def _robots_origin(self, url: str) -> str | None:
        """`url`'s origin if robots.txt applies to it (None: robots off, exempt origin,
        or remapped). Kept per `origin_key` slice: this runs before every request."""
        if not self._robots_on:
            return None
        key = origin_key(url)
        origin = self._robots_origins.get(key) if key is not None else None
        if origin is None:
            origin = origin_of(url)
            origin = "" if origin in self._robots_exempt else origin
            if key is not None:
                self._robots_origins[key] = origin
        if not origin or (self._remap and any(url.startswith(s) for s, _ in self._remap)):
            return None
        return origin

    async def _robots_refusal(self, url: str) -> str | None:
        """Why robots.txt forbids `url` (None when allowed or not applicable)."""
        origin = self._robots_origin(url)
        if origin is None or is_robots_txt(url):
            return None
        allowed, rules = await self._robots.allowed(url, origin)
        if rules.origin not in self._delays_applied:
            self._delays_applied.add(rules.origin)
            self._apply_delay(rules)
        if allowed:
            return None
        return f"{rules.reason} (user agent {product_token(self.settings.user_agent)!r})"

    async def _load_robots(self, robots_url: str) -> Response:
        """Fetch a robots.txt (redirects followed, raw bytes) and apply its crawl delay."""
        # robots.txt itself is never subject to robots.txt, even through its redirects
        # (asking would wait on the lock this very fetch holds).
        response = await self._fetch(robots_url, True, "GET", True, True, robots=False)
        if response.body is not None and response.text is None:
            text = response.body[: 512 * 1024].decode("utf-8", "replace")
            response = Response(
                response.url, response.final_url, response.status, text=text, body=None
            )
        return response

    def _apply_delay(self, rules: RobotsRules) -> None:
        """Slow this origin's limiter to robots.txt's Crawl-delay (capped in robots.py)."""
        delay = rules.crawl_delay(self.settings.user_agent)
        if delay:
            host = _host_key(self._map(rules.origin + "/"))
            self._limiter(host).slow_to(delay)

    def _limiter(self, host: str) -> _HostLimiter:
        limiter = self._hosts.get(host)
        if limiter is None:
            limiter = self._hosts[host] = _HostLimiter(self.settings.per_host, self.settings.rate)
        return limiter

    async def _with_retries(
        self,
        url: str,
        method: str,
        read_body: bool,
        raw: bool = False,
        headers: dict[str, str] | None = None,
    ) -> _Answer:
        settings = self.settings
        target = self._map(url)
        host = _host_key(target)
        limiter = self._limiter(host)
        attempt = 0
        while True:
            if limiter.paused():
                await limiter.unpaused()
            async with limiter.slots, self._global:
                if limiter.paused():
                    continue  # a pause began while this request waited for a slot
                cell = limiter.turn_now() or await limiter.wait_turn()
                answer = await self._exchange(target, method, read_body, raw, headers, cell)
            limiter.outcome(answer.status, answer.retry_after, settings.retry_backoff)
            if attempt >= settings.retries or not _retryable(answer):
                return answer
            delay = answer.retry_after
            if delay is None:
                delay = settings.retry_backoff * (2**attempt) * (0.5 + self._random.random())
            await asyncio.sleep(min(delay, settings.max_retry_wait))
            attempt += 1

    async def _exchange(
        self,
        url: str,
        method: str,
        read_body: bool,
        raw: bool = False,
        headers: dict[str, str] | None = None,
        cell: list[float] | None = None,
    ) -> _Answer:
        """One request and its answer; network trouble becomes `error_kind`."""
        assert self._session is not None, "use `async with Fetcher(...)`"
        self.requests += 1
        answer = _Answer()
        try:
            with self._deadlines:
                auth = self._auth(url)
                stamp = _START_CELL.set(cell)
                try:
                    async with self._session.request(
                        method,
                        URL(url, encoded=True),
                        allow_redirects=False,
                        headers={**(headers or {}), **auth} if auth else headers,
                    ) as resp:
                        answer.status = resp.status
                        answer.content_type = resp.content_type
                        answer.headers = tuple(
                            [
                                (key, value)
                                for key, value in resp.headers.items()
                                if key.lower() in KEPT_HEADERS
                            ]
                        )
                        if resp.status == 429 or resp.status >= 500:
                            answer.retry_after = _retry_after(
                                resp.headers.get("Retry-After"), self.settings.max_retry_wait
                            )
                        if (
                            read_body
                            and method != "HEAD"
                            and (raw or _readable(answer.content_type))
                        ):
                            await self._read(resp, answer, raw)
                        elif method != "HEAD":
                            await self._drain(resp)
                finally:
                    _START_CELL.reset(stamp)
        except TimeoutError:
            answer.status, answer.error_kind = None, "timeout"
            answer.error = f"no complete answer within {self.settings.timeout:g} s"
        except aiohttp.ClientConnectorDNSError as exc:
            answer.status, answer.error_kind, answer.error = None, "dns", _describe(exc)
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as exc:
            answer.status, answer.error_kind, answer.error = None, "tls", _describe(exc)
        except aiohttp.ClientConnectorError as exc:
            answer.status, answer.error_kind, answer.error = None, "connect", _describe(exc)
        except (
            aiohttp.ServerDisconnectedError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientResponseError,
        ) as exc:
            answer.status, answer.error_kind, answer.error = None, "protocol", _describe(exc)
        except (aiohttp.ClientError, OSError) as exc:
            answer.status, answer.error_kind, answer.error = None, "network", _describe(exc)
        except (ValueError, UnicodeError) as exc:
            answer.status, answer.error_kind, answer.error = None, "protocol", _describe(exc)
        if answer.status is None:
            answer.text, answer.truncated = None, False
        return answer

    async def _read(self, resp: aiohttp.ClientResponse, answer: _Answer, raw: bool = False) -> None:
        """Read the decoded body up to `max_bytes`; past it, stop and mark `too_large`."""
        limit = self.settings.max_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                answer.truncated = True
                answer.error_kind = "too_large"
                answer.error = f"body over {limit} bytes (decoded); not read further"
                answer.size = size
                resp.close()
                return
            chunks.append(chunk)
        data = b"".join(chunks)
        answer.size = size
        if raw:
            answer.body = data
        if _readable(answer.content_type):
            decoded = encoding.decode_body(data, resp.headers.get("Content-Type", ""))
            answer.text, answer.charset = decoded.text, decoded.charset
            if decoded.problem and "html" in answer.content_type:
                answer.unusable = decoded.problem

    @staticmethod
    async def _drain(resp: aiohttp.ClientResponse) -> None:
        """Read a short unread body (redirect, error page, small image) so the connection
        can be reused; a long or unknown-length one closes the connection instead."""
        length = resp.content_length
        if length is not None and length <= _CHUNK:
            await resp.read()
        else:
            resp.close()


_START_CELL: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "linkcheck_start_cell", default=None
)
"""The rate-limiter start of the request being made in this task (set by `_exchange`)."""


class _StampedRequest(aiohttp.ClientRequest):
    """A ClientRequest that moves its rate-limiter start to when its headers were written.

    This replaces an aiohttp TraceConfig hook: any trace config makes aiohttp build and
    dispatch half a dozen trace events per request (~10% of the Fetcher's CPU), and this
    one moment is all the limiter needs. `send` returns once the request line and headers
    are handed to the transport, so the stamp is never earlier than the real send.
    """

    async def send(self, conn: Connection) -> aiohttp.ClientResponse:
        response = await super().send(conn)
        cell = _START_CELL.get()
        if cell is not None:
            cell[0] = max(cell[0], asyncio.get_running_loop().time())
        return response


def _host_key(url: str) -> str:
    """`host[:port]` of an absolute URL: the key of its politeness limiter."""
    return url.split("/", 3)[2].rpartition("@")[2].lower()


def _readable(content_type: str) -> bool:
    return any(kind in content_type for kind in _TEXT_TYPES)


def _retryable(answer: _Answer) -> bool:
    if answer.status is None:
        return answer.error_kind in ("timeout", "connect", "network", "protocol")
    return answer.status in _RETRY_STATUSES


def _retry_after(value: str | None, cap: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    delta = when.timestamp() - time.time()
    return min(max(delta, 0.0), cap)


def _describe(exc: BaseException) -> str:
    """One line for a report. aiohttp's parser errors are ClientResponseErrors with a fake
    400 and a multi-line message pointing a caret at the bad byte: keep only the words."""
    if isinstance(exc, aiohttp.ClientResponseError):
        words = [w for w in str(exc.message).split() if w != "^"]
        text = "invalid HTTP response: " + " ".join(words)
    else:
        text = " ".join((str(exc) or type(exc).__name__).split())
    return text if len(text) <= 300 else text[:297] + "..."


def decode_body(data: bytes, header_charset: str | None) -> tuple[str, str]:
    """Text and charset of a body (BOM, header, `<meta>`, detection): see encoding.py.

    Kept for callers that want a plain string: binary content gives "" here.
    """
    content_type = f"text/html; charset={header_charset}" if header_charset else "text/html"
    decoded = encoding.decode_body(data, content_type)
    return decoded.text or "", decoded.charset or ""
