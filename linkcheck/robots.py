"""robots.txt: what a host lets us fetch, parsed once per origin and kept for the run.

This module is pure over the text: the crawler fetches `/robots.txt` through the Fetcher
(the only network seam) and hands the answer to `rules_from_response`. The policy follows
RFC 9309, adapted to a link checker that must not hide broken hosts behind "not checked":

- 2xx: the file is parsed with protego (the user agent's group, `*` otherwise); at most
  `MAX_ROBOTS_BYTES` of it are read, as the RFC allows.
- 3xx left over after the Fetcher's redirects, 4xx (except 429): "unavailable", allow all.
- 5xx and 429: "unreachable", disallow all, but only for `UNREACHABLE_TTL` seconds; the
  cache then asks again (RFC 9309 §2.3.1.4 lets a crawler retry later).
- No answer at all (DNS, connect, timeout): allow all. The host is down; the request for the
  page itself then fails and is reported as unreachable (C101), which is the truth; a
  disallow here would turn a dead host into a quiet C106.

`/robots.txt` itself is always allowed. `Crawl-delay` and `Request-rate` are exposed as one
minimum interval between requests, which the Fetcher may use to slow down below `rate`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from .config import Config
from .model import Response
from .urls import origin_of

MAX_ROBOTS_BYTES = 500 * 1024
"""RFC 9309 §2.5: crawlers must parse at least 500 KiB; the rest is ignored."""

UNREACHABLE_TTL = 300.0
"""How long a 5xx/429 robots.txt keeps a host disallowed before it is fetched again."""

MAX_CRAWL_DELAY = 10.0
"""A crawl delay above this is clamped (docs: `Crawl-delay` is honoured up to 10 s): a site
asking for more would take days to check."""


def product_token(user_agent: str) -> str:
    """The robots.txt product token of a User-Agent header: `linkcheck/1.0 (...)` → `linkcheck`."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token or user_agent


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one origin's robots.txt says.

    `state` is `parsed` (rules from a 2xx file), `allow_all` (missing or unavailable file,
    or `robots: false`), or `unreachable` (5xx/429: everything disallowed until `expires`,
    a `time.monotonic()` value). `reason` is a short phrase for C106 messages.
    """

    origin: str
    state: str
    reason: str = ""
    expires: float | None = None
    parser: Protego | None = field(default=None, compare=False, repr=False)

    def allowed(self, url: str, user_agent: str) -> bool:
        """Whether `user_agent` may fetch `url` (an absolute URL on this origin)."""
        if is_robots_txt(url):
            return True
        if self.state == "unreachable":
            return False
        if self.parser is None:
            return True
        try:
            return bool(self.parser.can_fetch(url, product_token(user_agent)))
        except Exception:  # a parser bug must not stop the crawl: allow
            return True

    def crawl_delay(self, user_agent: str) -> float | None:
        """Seconds to leave between two requests to this origin, if robots.txt asks for it.

        `Crawl-delay: N` and `Request-rate: R/S` both count; the larger interval wins.
        """
        if self.parser is None:
            return None
        token = product_token(user_agent)
        delays: list[float] = []
        try:
            delay = self.parser.crawl_delay(token)
            if delay is not None and delay > 0:
                delays.append(float(delay))
            rate = self.parser.request_rate(token)
            if rate is not None and rate.requests > 0:
                delays.append(float(rate.seconds) / float(rate.requests))
        except Exception:  # malformed values are ignored
            return None
        return min(max(delays), MAX_CRAWL_DELAY) if delays else None

    @property
    def sitemaps(self) -> tuple[str, ...]:
        """The `Sitemap:` URLs the file lists (absolute, as written)."""
        if self.parser is None:
            return ()
        return tuple(s for s in self.parser.sitemaps if s.startswith(("http://", "https://")))

    def stale(self, now: float) -> bool:
        """Whether these rules should be fetched again (only unreachable ones expire)."""
        return self.expires is not None and now >= self.expires


def allow_all(origin: str, reason: str = "no robots.txt") -> RobotsRules:
    """Rules that allow everything (missing file, `robots: false`)."""
    return RobotsRules(origin=origin, state="allow_all", reason=reason)


def parse_robots(origin: str, text: str) -> RobotsRules:
    """Rules from the text of a robots.txt (any junk in it is ignored line by line)."""
    text = text[:MAX_ROBOTS_BYTES]
    try:
        parser = Protego.parse(text)
    except Exception:  # an unparsable file is treated as no file
        return allow_all(origin, "robots.txt could not be parsed")
    return RobotsRules(
        origin=origin, state="parsed", reason="disallowed by robots.txt", parser=parser
    )


def rules_from_response(
    origin: str, response: Response, *, now: float | None = None
) -> RobotsRules:
    """The rules an answer to `GET origin/robots.txt` implies (see the module docstring)."""
    status = response.status
    if status is None:
        return allow_all(origin, f"robots.txt not reachable ({response.error_kind or 'error'})")
    if 200 <= status < 300:
        return parse_robots(origin, response.text or "")
    if status == 429 or status >= 500:
        clock = time.monotonic() if now is None else now
        return RobotsRules(
            origin=origin,
            state="unreachable",
            reason=f"robots.txt answered {status}; the host is not crawled for now",
            expires=clock + UNREACHABLE_TTL,
        )
    return allow_all(origin, f"robots.txt answered {status}")


def is_robots_txt(url: str) -> bool:
    """`url` is its origin's own /robots.txt, which robots.txt never forbids (a page
    elsewhere that happens to be called robots.txt is subject to it like any other)."""
    return url.split("?", 1)[0].endswith("/robots.txt") and urlsplit(url).path == "/robots.txt"


def robots_url(url: str) -> str:
    """The robots.txt URL that governs `url`."""
    return origin_of(url) + "/robots.txt"


Loader = Callable[[str], Awaitable[Response]]
"""Fetches a robots.txt URL (the crawler passes `fetcher.fetch`)."""


class RobotsCache:
    """The robots rules of every origin met in one run, each fetched once.

    Concurrent callers for one origin wait for the same fetch (one lock per origin), so a
    host never sees two robots.txt requests at once. Unreachable (5xx) rules are fetched
    again after they expire. One instance per run: no module-level state.
    """

    def __init__(self, load: Loader, user_agent: str) -> None:
        self._load = load
        self._user_agent = user_agent
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def cached(self, url: str, origin: str | None = None) -> RobotsRules | None:
        """The rules already known for `url`'s origin (`origin_of(url)` if the caller
        knows it), if fresh (no I/O)."""
        rules = self._rules.get(origin_of(url) if origin is None else origin)
        if rules is None or (rules.expires is not None and rules.stale(time.monotonic())):
            return None
        return rules

    async def rules_for(self, url: str, origin: str | None = None) -> RobotsRules:
        """The rules of `url`'s origin, fetching robots.txt if not yet known."""
        if origin is None:
            origin = origin_of(url)
        rules = self.cached(url, origin)
        if rules is not None:
            return rules
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self.cached(url, origin)
            if rules is None:
                response = await self._load(robots_url(url))
                rules = rules_from_response(origin, response)
                self._rules[origin] = rules
        return rules

    async def allowed(self, url: str, origin: str | None = None) -> tuple[bool, RobotsRules]:
        """Whether `url` may be fetched, with the rules that decided it."""
        rules = await self.rules_for(url, origin)
        return rules.allowed(url, self._user_agent), rules


def robots_exempt(config: Config) -> frozenset[str]:
    """Origins where robots.txt is not consulted: those of sites with `robots: false`."""
    origins: set[str] = set()
    for site in config.sites:
        if not site.robots:
            for url in (site.new, site.legacy, *site.seeds):
                if url:
                    origins.add(origin_of(url))
    return frozenset(origins)
