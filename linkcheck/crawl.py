"""The crawl: a de-duplicated frontier and a pool of workers over one `Fetcher`.

Scope (DESIGN.md "Precise semantics"): pages under a selected site's `new` prefix are fetched
and parsed (HTML only) and their links followed; other URLs on the configured hosts (any
site's `new` or `legacy` host) are fetched, checked, not crawled; other hosts only with
`check_external` (checked, never crawled); non-http URLs never. Seeds that are sitemaps (a
path ending in `.xml`, or served as XML) feed the site that lists them.

Limits: `max_pages` (HTML pages parsed, per site; beyond it in-scope URLs are still checked,
not parsed), `max_depth` and `max_time` are recorded as `Limit`s (C105 in checks.py);
`settings.exclude` matches are recorded, not fetched (C106).

Memory grows with distinct URLs, not link occurrences: the frontier is a set of URLs, each
target keeps a capped list of referring pages plus a count, stored responses drop their body
and stored pages drop their link list (the index holds it).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from linkcheck.config import Config, Site
from linkcheck.extract import ExtractCache, Found, extract, extract_ids
from linkcheck.model import Page, Response
from linkcheck.redos import MAX_SUBJECT
from linkcheck.sitemaps import MAX_DECODED_BYTES, parse_sitemap
from linkcheck.sitemaps import MAX_DEPTH as SITEMAP_DEPTH
from linkcheck.traps import ShapeBudget
from linkcheck.urls import decoded_path

if TYPE_CHECKING:  # the Fetcher (and aiohttp) may live in the fetch process only
    from linkcheck.fetch import FetchClient

__all__ = [
    "MAX_SOURCES",
    "CrawlProgress",
    "CrawlResult",
    "Limit",
    "LinkTarget",
    "crawl",
]

MAX_SOURCES = 200
"""Referring pages kept per target (the count goes on); reports show these."""

_CRAWL, _CHECK, _SEED = 0, 1, 2
_LOC = re.compile(r"<(?:\w+:)?loc>\s*([^<\s][^<]*?)\s*</(?:\w+:)?loc>", re.IGNORECASE)


@dataclass(slots=True)
class LinkTarget:
    """Everything known about one link target: who links to it, which fragments, how."""

    sources: list[str] = field(default_factory=list)
    """Referring pages (or sitemaps), first `MAX_SOURCES`, in discovery order."""
    count: int = 0
    """Referring pages in all."""
    fragments: dict[str, list[str]] | None = None
    """Fragment → referring pages (capped) for links that carry a `#fragment`."""
    elements: set[str] = field(default_factory=set)
    """Elements the links came from (a, img, link, script, ...)."""
    seed: bool = False
    """The URL is a configured seed (`new` or `seeds`), not only linked."""

    last: str = ""
    """The latest referrer: one page's links are indexed together, so repeats are adjacent."""

    def add(self, page: str, fragment: str = "", element: str = "") -> None:
        if page != self.last:
            self.last = page
            self.count += 1
            if len(self.sources) < MAX_SOURCES:
                self.sources.append(page)
        if fragment:
            if self.fragments is None:
                self.fragments = {}
            pages = self.fragments.setdefault(fragment, [])
            if len(pages) < MAX_SOURCES and (not pages or pages[-1] != page):
                pages.append(page)
        if element:
            self.elements.add(element)


@dataclass(frozen=True, slots=True)
class Limit:
    """A crawl limit reached for a site: `kind` is max_pages, max_depth or max_time.

    `url` is the site's `new` prefix; `example` a URL that was not crawled because of it.
    """

    site: str
    kind: str
    value: float
    url: str
    example: str = ""


@dataclass(frozen=True, slots=True)
class CrawlProgress:
    """A snapshot for the progress display."""

    pages: int
    checked: int
    queued: int
    errors: int
    elapsed: float


@dataclass(slots=True)
class CrawlResult:
    """What the crawl collected; filled as it goes, so an interrupted crawl keeps it all.

    `pages` per site name (links moved into `links`), `responses` for every URL fetched
    (bodies dropped), `links` the link index (target → referrers), `anchors` the fragment
    targets of every HTML target parsed, `excluded` URL → the exclude pattern that matched.
    """

    pages: dict[str, list[Page]] = field(default_factory=dict)
    responses: dict[str, Response] = field(default_factory=dict)
    links: dict[str, LinkTarget] = field(default_factory=dict)
    anchors: dict[str, frozenset[str]] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    limits: list[Limit] = field(default_factory=list)
    insecure: dict[str, list[str]] = field(default_factory=dict)
    """`http://` targets linked from `https://` pages → those pages (capped): C104."""
    partial: bool = False
    elapsed: float = 0.0

    @property
    def page_count(self) -> int:
        return sum(len(pages) for pages in self.pages.values())

    def all_pages(self) -> Iterable[Page]:
        for pages in self.pages.values():
            yield from pages


@dataclass(slots=True)
class _SiteState:
    site: Site
    prefix: str
    parsed: int = 0
    reserved: int = 0
    limited: set[str] = field(default_factory=set)
    digest: bool = True


Progress = Callable[[CrawlProgress], None]


async def crawl(
    config: Config,
    fetcher: FetchClient,
    *,
    sites: Sequence[str] | None = None,
    progress: Progress | None = None,
    result: CrawlResult | None = None,
) -> CrawlResult:
    """Crawl the selected sites (all by default); returns (or fills) a `CrawlResult`.

    Pass `result` to keep what was collected if the crawl is cancelled midway.
    """
    crawler = _Crawler(config, fetcher, sites, progress, result or CrawlResult())
    return await crawler.run()


class _Crawler:
    def __init__(
        self,
        config: Config,
        fetcher: FetchClient,
        sites: Sequence[str] | None,
        progress: Progress | None,
        result: CrawlResult,
    ) -> None:
        self.config = config
        self.settings = config.settings
        self.fetcher = fetcher
        self.progress = progress
        self.result = result
        chosen = [s for s in config.sites if not sites or s.name in sites]
        self.states = [
            _SiteState(s, s.new, digest=s.pairs) for s in chosen
        ]  # index = site number in queue items
        # Longest prefix first, so nested sites attribute pages to the innermost one.
        self.order = sorted(range(len(self.states)), key=lambda i: -len(self.states[i].prefix))
        hosts: set[str] = set()
        for site in config.sites:
            for url in (site.new, site.legacy, *site.seeds):
                if url:
                    hosts.add(_netloc(url))
        self.hosts = frozenset(hosts)
        self.seen: set[str] = set()
        self.ignored: set[str] = set()
        self.budget = ShapeBudget(self.settings.max_per_pattern)
        self.extract_cache = ExtractCache()
        self.queue: asyncio.Queue[tuple[int, str, int, int]] = asyncio.Queue()
        self.checked = 0
        self.errors = 0
        self.started = time.monotonic()
        self.deadline = self.started + self.settings.max_time if self.settings.max_time else None
        self._last_progress = 0.0
        for state in self.states:
            result.pages.setdefault(state.site.name, [])

    # ------------------------------------------------------------------ run

    async def run(self) -> CrawlResult:
        for number, state in enumerate(self.states):
            self._seed(state.site.new, number, _CRAWL)
            for seed in state.site.seeds:
                self._seed(seed, number, _SEED)
        # Twice as many workers as requests allowed in flight (the Fetcher enforces that
        # cap): while some workers parse, the others' requests keep the connections busy.
        workers = [
            asyncio.create_task(self._worker())
            for _ in range(2 * max(1, self.settings.concurrency))
        ]
        try:
            if self.deadline is None:
                await self.queue.join()
            else:
                try:
                    async with asyncio.timeout(max(0.0, self.deadline - time.monotonic())):
                        await self.queue.join()
                except TimeoutError:
                    for state in self.states:
                        self._limit(state, "max_time", self.settings.max_time or 0)
        except asyncio.CancelledError:
            self.result.partial = True
            raise
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self.result.elapsed = time.monotonic() - self.started
            self._report(force=True)
        return self.result

    async def _worker(self) -> None:
        while True:
            kind, url, site, depth = await self.queue.get()
            try:
                if kind == _CRAWL:
                    await self._crawl(url, site, depth)
                elif kind == _SEED:
                    await self._sitemap_or_page(url, site, depth)
                else:
                    await self._check(url)
            except Exception as exc:  # a bug on one URL: say so on that URL, crawl on
                # (a worker that died would leave its URL silently unchecked, and with every
                # worker dead the crawl would wait forever)
                error = f"internal error while checking it ({type(exc).__name__}: {exc})"
                self._record(url, Response(url, url, None, error=error, error_kind="internal"))
            finally:
                self.queue.task_done()
                self._report()

    # ------------------------------------------------------------------ frontier

    def _seed(self, url: str, site: int, kind: int) -> None:
        target = self.result.links.get(url)
        if target is None:
            target = self.result.links[url] = LinkTarget()
        target.seed = True
        if url in self.seen:
            return
        self.seen.add(url)
        pattern = self._excluded(url)
        if pattern is not None:
            self.result.excluded[url] = pattern
            return
        if kind == _SEED and not _looks_like_sitemap(url):
            # A page seed inside a crawl scope is crawled (an XML answer is still read as a
            # sitemap); elsewhere it is fetched and read as a sitemap if it is one.
            scope = self._site_of(url)
            if scope is not None:
                kind, site = _CRAWL, scope
        self.queue.put_nowait((kind, url, site, 0))

    def _follow(self, url: str, source: str, fragment: str, element: str, depth: int) -> None:
        """Index one link occurrence and enqueue its target when new and in scope."""
        if url.startswith("http://") and source.startswith("https://"):
            pages = self.result.insecure.setdefault(url, [])
            if len(pages) < MAX_SOURCES and (not pages or pages[-1] != source):
                pages.append(source)
        links = self.result.links
        target = links.get(url)
        if target is None:
            if url in self.ignored:
                return
            if not self._admit(url, depth, source):
                return
            target = links[url] = LinkTarget()
        target.add(source, fragment, element)

    def _admit(self, url: str, depth: int, source: str | None = None) -> bool:
        """Decide a new URL's fate: crawl, check, exclude or ignore. False when ignored."""
        include = self.settings.include_urls
        if include and (
            len(url) > MAX_SUBJECT or not any(pattern.search(url) for pattern in include)
        ):
            self.ignored.add(url)  # outside `settings.include_urls`: out of scope, no finding
            return False
        self.seen.add(url)
        pattern = self._excluded(url)
        if pattern is not None:
            self.result.excluded[url] = pattern
            return True
        site = self._site_of(url)
        if site is not None:
            if depth > self.settings.max_depth:
                self._limit(self.states[site], "max_depth", self.settings.max_depth, url)
                self.queue.put_nowait((_CHECK, url, -1, depth))
            elif not self.budget.admit(url, source):
                # A URL trap (calendar, endless pagination): a long chain of look-alike
                # pages, each found on the previous one; check it, do not crawl it.
                limit = self.settings.max_per_pattern
                self._limit(self.states[site], "max_per_pattern", limit, url)
                self.queue.put_nowait((_CHECK, url, -1, depth))
            else:
                self.queue.put_nowait((_CRAWL, url, site, depth))
            return True
        if _netloc(url) in self.hosts or self.settings.check_external:
            self.queue.put_nowait((_CHECK, url, -1, depth))
            return True
        self.ignored.add(url)
        self.seen.discard(url)
        return False

    def _site_of(self, url: str) -> int | None:
        for number in self.order:
            if _under(url, self.states[number].prefix):
                return number
        return None

    def _excluded(self, url: str) -> str | None:
        if len(url) > MAX_SUBJECT:
            return None  # user regexes never see such a URL (redos.py)
        for pattern in self.settings.exclude:
            if pattern.search(url):
                return pattern.pattern
        return None

    def _limit(self, state: _SiteState, kind: str, value: float, example: str = "") -> None:
        if kind not in state.limited:
            state.limited.add(kind)
            self.result.limits.append(Limit(state.site.name, kind, value, state.prefix, example))

    # ------------------------------------------------------------------ work

    async def _crawl(self, url: str, site: int, depth: int) -> None:
        state = self.states[site]
        if state.parsed + state.reserved >= self.settings.max_pages:
            self._limit(state, "max_pages", self.settings.max_pages, url)
            await self._check(url, read_body=False)
            return
        state.reserved += 1
        try:
            response = await self.fetcher.fetch(url)
        finally:
            state.reserved -= 1
        self._record(url, response)
        if response.text is None or not response.ok:
            return
        if "xml" in response.content_type and "html" not in response.content_type:
            if _LOC.search(response.text[:65536]):
                self._sitemap(url, response, site, depth)
            return
        if not response.is_html:
            return
        page_url = url
        if response.hops:
            final = response.final_url
            if final in self.result.responses or self._site_of(final) != site:
                return
            page_url = final
            self.seen.add(final)
            self.result.responses[final] = replace(response, url=final, hops=(), text=None)
            self.result.links.setdefault(final, LinkTarget())
        self._parse(page_url, response.text, state, depth)

    def _parse(self, url: str, text: str, state: _SiteState, depth: int) -> None:
        counterpart = state.site.counterpart
        found: list[Found] = []  # the page's links: ((url, fragment), element)
        try:
            page = extract(
                url,
                text,
                selector=counterpart.selector if counterpart else None,
                digest=state.digest and _upgraded(state.site, url),
                depth=depth,
                cache=self.extract_cache,
                found=found,
            )
        except Exception as exc:  # hostile markup must not stop the crawl, nor pass unseen
            response = self.result.responses.get(url)
            if response is not None and response.unusable is None:
                problem = f"the HTML could not be parsed ({type(exc).__name__}: {exc})"
                self.result.responses[url] = replace(response, unusable=problem[:300])
            return
        state.parsed += 1
        self.result.anchors[url] = page.ids
        # `_follow` for each link; a target already indexed is added to directly (the common
        # case: a site's pages link the same pages), unless it is http on an https page (C104).
        follow = self._follow
        index = self.result.links
        secure = url.startswith("https://")
        unmap = self.fetcher.unmap if self.fetcher.remapped else None
        for (target_url, fragment), element in found:
            if unmap is not None:
                target_url = unmap(target_url)
            target = index.get(target_url)
            if target is None or (secure and target_url.startswith("http://")):
                follow(target_url, url, fragment, element, depth + 1)
            else:
                target.add(url, fragment, element)
        self.result.pages[state.site.name].append(page)  # without links: the index has them

    async def _check(self, url: str, *, read_body: bool | None = None) -> None:
        """Fetch a URL that is not crawled. On the configured hosts its body is read (ids
        for fragments); elsewhere a HEAD, then a GET if the server refuses or botches HEAD."""
        configured = _netloc(url) in self.hosts
        if read_body is None:
            read_body = configured
        if configured:
            response = await self.fetcher.fetch(url, read_body=read_body)
        else:
            response = await self.fetcher.fetch(url, method="HEAD", read_body=False)
            if response.status is not None and response.status >= 400:
                response = await self.fetcher.fetch(url, read_body=False)
        self._record(url, response)
        if response.text is not None and response.ok and response.is_html:
            with contextlib.suppress(Exception):  # hostile markup must not stop the crawl
                self.result.anchors[url] = extract_ids(response.text)

    async def _sitemap_or_page(self, url: str, site: int, depth: int) -> None:
        response = await self.fetcher.fetch(url, raw=True)
        self._record(url, response)
        if not response.ok or (response.text is None and response.body is None):
            return
        kind = response.content_type
        if "html" not in kind and ("xml" in kind or "gzip" in kind or _looks_like_sitemap(url)):
            self._sitemap(url, response, site, depth)
        elif response.is_html and response.text is not None and self._site_of(url) == site:
            state = self.states[site]
            if state.parsed < self.settings.max_pages:
                self._parse(url, response.text, state, depth)

    def _sitemap(self, url: str, response: Response, site: int, depth: int) -> None:
        """Queue the URLs of a sitemap (or sitemap index) for the site listing it.

        The file is read by sitemaps.py (gzip, entity bombs, caps); what went wrong is kept
        on the sitemap's response: over the size cap is C108, anything else C109.
        """
        data = response.body
        if data is None:
            data = (response.text or "").encode("utf-8")
        # Sitemaps may be 50 MB decoded (sitemaps.org); a lower size cap is raised to that.
        sitemap = parse_sitemap(data, max_bytes=max(self.settings.max_bytes, MAX_DECODED_BYTES))
        if sitemap.problem is not None:
            stored = self.result.responses.get(url, response)
            self.result.responses[url] = replace(
                stored,
                unusable=None if sitemap.oversize else f"sitemap: {sitemap.problem}",
                truncated=stored.truncated or sitemap.oversize,
                error=f"sitemap: {sitemap.problem}" if sitemap.oversize else stored.error,
                error_kind="too_large" if sitemap.oversize else stored.error_kind,
            )
        for child in sitemap.sitemaps:
            if child in self.seen:
                continue
            self.result.links.setdefault(child, LinkTarget()).add(url)
            if depth < SITEMAP_DEPTH:
                self.seen.add(child)
                self.queue.put_nowait((_SEED, child, site, depth + 1))
        for loc in sitemap.urls:
            if loc in self.seen:
                target = self.result.links.get(loc)
                if target is not None:
                    target.add(url)
                continue
            if _looks_like_sitemap(loc) and depth < SITEMAP_DEPTH:
                self.seen.add(loc)
                self.result.links.setdefault(loc, LinkTarget()).add(url)
                self.queue.put_nowait((_SEED, loc, site, depth + 1))
                continue
            self._follow(loc, url, "", "loc", 0)

    def _record(self, url: str, response: Response) -> None:
        self.checked += 1
        if (response.status is None and response.error_kind not in ("robots", "scope")) or (
            response.status is not None and response.status >= 400
        ):
            self.errors += 1
        stored = response
        if response.text is not None or response.body is not None:
            stored = replace(response, text=None, body=None)
        self.result.responses[url] = stored

    def _report(self, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if not force and now - self._last_progress < 0.1:
            return
        self._last_progress = now
        self.progress(
            CrawlProgress(
                pages=sum(state.parsed for state in self.states),
                checked=self.checked,
                queued=self.queue.qsize(),
                errors=self.errors,
                elapsed=now - self.started,
            )
        )


def _netloc(url: str) -> str:
    """`host[:port]` of a normalised http(s) URL (string slicing: hot path); the scheme is
    left out so that http and https links to a configured host both count as on it."""
    start = url.find("//") + 2
    end = url.find("/", start)
    return url[start:] if end < 0 else url[start:end]


def _under(url: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return url.startswith(prefix) or url + "/" == prefix
    return url == prefix or url.startswith((prefix + "/", prefix + "?"))


def _looks_like_sitemap(url: str) -> bool:
    path = url.split("?", 1)[0].lower()
    return path.endswith((".xml", ".xml.gz"))


def _upgraded(site: Site, url: str) -> bool:
    if site.upgraded is None:
        return True
    return len(url) <= MAX_SUBJECT and site.upgraded.search(decoded_path(url)) is not None
