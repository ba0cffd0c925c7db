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
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import email.utils
import random
import re
import time
from collections import deque
from collections.abc import Sequence
from types import TracebackType

import aiohttp
from yarl import URL

from linkcheck.config import Settings
from linkcheck.model import Hop, Response
from linkcheck.urls import UrlError, is_http, origin_of, resolve

__all__ = ["Fetcher", "decode_body"]

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
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class _HostLimiter:
    """Politeness for one host: `per_host` in flight, at most `rate` starts per second.

    The rate is a sliding window over the start times of the last requests: with rate ≥ 1,
    at most floor(rate) starts in any one-second window; below 1, one start per 1/rate s.
    A 429/503 with Retry-After pauses the whole host, not only the request that got it.
    """

    __slots__ = ("_capacity", "_lock", "_starts", "_window", "paused_until", "slots")

    def __init__(self, per_host: int, rate: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        if rate >= 1:
            self._capacity, self._window = int(rate), 1.0
        else:
            self._capacity, self._window = 1, 1.0 / rate
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.paused_until = 0.0
        """Loop time before which no request starts (the host asked us to wait)."""

    def pause(self, seconds: float) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self.paused_until = max(self.paused_until, until)

    async def wait_turn(self) -> None:
        """Return when one more request may start without exceeding the rate."""
        loop = asyncio.get_running_loop()
        starts = self._starts
        if not self._lock.locked():
            now = loop.time()
            while starts and now - starts[0] >= self._window:
                starts.popleft()
            if len(starts) < self._capacity and now >= self.paused_until:
                starts.append(now)
                return
        async with self._lock:
            while True:
                now = loop.time()
                if now < self.paused_until:
                    await asyncio.sleep(self.paused_until - now)
                    continue
                while starts and now - starts[0] >= self._window:
                    starts.popleft()
                if len(starts) < self._capacity:
                    starts.append(now)
                    return
                await asyncio.sleep(starts[0] + self._window - now + 0.0005)


class _Answer:
    """One HTTP exchange (no redirects followed), before it becomes a Response."""

    __slots__ = (
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
    )

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: tuple[tuple[str, str], ...] = ()
        self.content_type = ""
        self.text: str | None = None
        self.charset: str | None = None
        self.size = 0
        self.truncated = False
        self.error: str | None = None
        self.error_kind: str | None = None
        self.retry_after: float | None = None

    def location(self) -> str | None:
        for key, value in self.headers:
            if key.lower() == "location":
                return value
        return None


class Fetcher:
    """The only object doing network I/O; use as `async with Fetcher(settings) as fetcher`."""

    def __init__(self, settings: Settings, *, remap: Sequence[tuple[str, str]] = ()) -> None:
        self.settings = settings
        self._remap = tuple(remap)
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, _HostLimiter] = {}
        self._random = random.Random()
        self.requests = 0
        """HTTP exchanges made (each hop and each retry counts)."""

    async def __aenter__(self) -> Fetcher:
        settings = self.settings
        connector = aiohttp.TCPConnector(
            limit=settings.concurrency,
            limit_per_host=settings.per_host,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
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

    # ------------------------------------------------------------------ public

    async def fetch(
        self,
        url: str,
        *,
        follow: bool = True,
        method: str = "GET",
        read_body: bool = True,
    ) -> Response:
        """Request `url` (with its redirects when `follow`) and describe the outcome."""
        started = time.monotonic()
        if not is_http(url):
            return Response(
                url, url, None, error="only http(s) URLs are fetched", error_kind="scope"
            )
        hops: list[Hop] = []
        seen = {url}
        current = url
        while True:
            answer = await self._with_retries(current, method, read_body)
            location = answer.location() if answer.status is not None else None
            if not follow or location is None or not 300 <= (answer.status or 0) < 400:
                return self._response(url, current, answer, hops, started)
            try:
                target = self.unmap(resolve(location, self._map(current)))
            except (UrlError, ValueError) as exc:
                answer.error, answer.error_kind = f"bad Location header: {exc}", "protocol"
                return self._response(url, current, answer, hops, started)
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
        for source, target in self._remap:
            if url.startswith(target):
                return source + url[len(target) :]
        return url

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

    def _limiter(self, host: str) -> _HostLimiter:
        limiter = self._hosts.get(host)
        if limiter is None:
            limiter = self._hosts[host] = _HostLimiter(self.settings.per_host, self.settings.rate)
        return limiter

    async def _with_retries(self, url: str, method: str, read_body: bool) -> _Answer:
        settings = self.settings
        target = self._map(url)
        host = target.split("/", 3)[2].rpartition("@")[2].lower()
        limiter = self._limiter(host)
        attempt = 0
        while True:
            async with limiter.slots, self._global:
                await limiter.wait_turn()
                answer = await self._exchange(target, method, read_body)
            if answer.retry_after is not None and answer.status in (429, 503):
                limiter.pause(answer.retry_after)
            if attempt >= settings.retries or not _retryable(answer):
                return answer
            delay = answer.retry_after
            if delay is None:
                delay = settings.retry_backoff * (2**attempt) * (0.5 + self._random.random())
            await asyncio.sleep(min(delay, settings.max_retry_wait))
            attempt += 1

    async def _exchange(self, url: str, method: str, read_body: bool) -> _Answer:
        """One request and its answer; network trouble becomes `error_kind`."""
        assert self._session is not None, "use `async with Fetcher(...)`"
        self.requests += 1
        answer = _Answer()
        try:
            async with asyncio.timeout(self.settings.timeout):
                async with self._session.request(
                    method, URL(url, encoded=True), allow_redirects=False, headers=self._auth(url)
                ) as resp:
                    answer.status = resp.status
                    answer.content_type = resp.content_type
                    answer.headers = tuple(
                        (key, value)
                        for key, value in resp.headers.items()
                        if key.lower() in KEPT_HEADERS
                    )
                    if resp.status == 429 or resp.status >= 500:
                        answer.retry_after = _retry_after(
                            resp.headers.get("Retry-After"), self.settings.max_retry_wait
                        )
                    if read_body and method != "HEAD" and _readable(answer.content_type):
                        await self._read(resp, answer)
                    elif method != "HEAD":
                        await self._drain(resp)
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

    async def _read(self, resp: aiohttp.ClientResponse, answer: _Answer) -> None:
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
        answer.text, answer.charset = decode_body(data, resp.charset)

    @staticmethod
    async def _drain(resp: aiohttp.ClientResponse) -> None:
        """Read a short unread body (redirect, error page, small image) so the connection
        can be reused; a long or unknown-length one closes the connection instead."""
        length = resp.content_length
        if length is not None and length <= _CHUNK:
            await resp.read()
        else:
            resp.close()


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
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def decode_body(data: bytes, header_charset: str | None) -> tuple[str, str]:
    """Text and charset of a body: BOM, then the header, then `<meta>`, then detection."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace"), name
    codec = _codec(header_charset) if header_charset else None
    if codec is None:  # only then is the <meta> worth a search through the first 4 KB
        declared = _meta_charset(data)
        codec = _codec(declared) if declared else None
    if codec is not None:
        return data.decode(codec, "replace"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    detected = (_codec(best.encoding) if best is not None else None) or "cp1252"
    return data.decode(detected, "replace"), detected


def _meta_charset(data: bytes) -> str | None:
    head = data[:4096]
    if b"charset" not in head and b"CHARSET" not in head and b"Charset" not in head:
        return None
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _codec(label: str) -> str | None:
    """Python codec name for a charset label; as browsers do, latin-1 means windows-1252."""
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return name
