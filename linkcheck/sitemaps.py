"""Sitemaps as crawl seeds: `sitemap.xml`, sitemap indexes, gzip, and plain-text lists.

Everything here is untrusted input. The XML is read with expat in chunks and refused as soon
as it declares a DOCTYPE or an entity, so entity-expansion bombs ("billion laughs") and
external entities never expand; gzip is inflated with a hard cap on the decoded size (a
small file on the wire can be a huge one decoded); at most `max_urls` URLs are kept. A
malformed file yields the URLs read before the fault plus a `problem` phrase: the crawl
goes on with what was found.

`parse_sitemap` is pure over the bytes; the crawler fetches sitemaps and follows indexes
(its queue fetches each URL once) up to `MAX_DEPTH` levels.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from xml.parsers import expat

from .urls import UrlError, is_http, normalize

MAX_URLS = 50_000
"""URLs kept from one sitemap (the sitemaps.org limit per file)."""

MAX_DECODED_BYTES = 50 * 1024 * 1024
"""Decoded size cap of one sitemap (the sitemaps.org limit is 50 MB uncompressed)."""

MAX_DEPTH = 3
"""Index nesting followed (index → index → sitemap is already unusual)."""

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Sitemap:
    """What one sitemap file held.

    `urls` are page URLs (`<urlset><url><loc>` or lines of a text sitemap), `sitemaps` the
    child sitemaps of an index; both normalised, http(s) only, without duplicates.
    `problem`, when set, says why reading stopped early or what was skipped; `oversize`
    that the decoded size cap was hit (a compression bomb or a huge file).
    """

    urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    problem: str | None = None
    truncated: bool = False
    oversize: bool = False


class _Refused(Exception):
    """Raised inside expat callbacks to stop parsing (DTD, entity, too many URLs)."""


def inflate(data: bytes, limit: int = MAX_DECODED_BYTES) -> tuple[bytes, str | None]:
    """Gunzip `data` without ever holding more than `limit` decoded bytes.

    Returns (bytes, problem): the problem says the data was truncated or corrupt.
    """
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        return b"", f"corrupt gzip data ({exc})"
    if len(out) > limit:
        return out[:limit], f"decoded size over {limit} bytes: the rest is ignored"
    if not decompressor.eof:
        return out, "truncated gzip data"
    return out, None


def _local(name: str) -> str:
    """The local part of an expat name (`ns local` with namespace processing, or `p:local`)."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1].lower()


class _Collector:
    """Expat callbacks: collect `<loc>` texts under `<url>` and `<sitemap>`."""

    def __init__(self, max_urls: int) -> None:
        self.max_urls = max_urls
        self.kind: str | None = None  # urlset | sitemapindex
        self.stack: list[str] = []
        self.text: list[str] = []
        self.urls: dict[str, None] = {}
        self.sitemaps: dict[str, None] = {}
        self.skipped = 0

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if self.kind is None:
            self.kind = local
        self.stack.append(local)
        if local == "loc":
            self.text = []

    def end(self, _name: str) -> None:
        local = self.stack.pop() if self.stack else ""
        if local == "loc" and self.stack:
            self._add(self.stack[-1], "".join(self.text).strip())

    def data(self, text: str) -> None:
        if self.stack and self.stack[-1] == "loc" and sum(map(len, self.text)) < 8192:
            self.text.append(text)

    def _add(self, parent: str, loc: str) -> None:
        url = _clean(loc)
        if url is None:
            self.skipped += 1
            return
        if parent == "sitemap":
            target = self.sitemaps
        elif parent == "url":
            target = self.urls
        else:
            return
        if len(self.urls) + len(self.sitemaps) >= self.max_urls:
            raise _Refused(f"more than {self.max_urls} URLs: the rest is ignored")
        target[url] = None


def _clean(loc: str) -> str | None:
    """A `<loc>` as a normalised http(s) URL without fragment, or None if unusable."""
    if not loc or not is_http(loc):
        return None
    try:
        return normalize(loc).partition("#")[0]
    except UrlError:
        return None


def _refuse_dtd(*_args: object) -> None:
    raise _Refused("the sitemap declares a DOCTYPE or entities: refused (entity bomb guard)")


def _parse_xml(data: bytes, max_urls: int) -> Sitemap:
    collector = _Collector(max_urls)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = collector.start
    parser.EndElementHandler = collector.end
    parser.CharacterDataHandler = collector.data
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = lambda *_: False  # never load anything
    problem: str | None = None
    truncated = False
    try:
        for start in range(0, len(data), _CHUNK):
            parser.Parse(data[start : start + _CHUNK], False)
        parser.Parse(b"", True)
    except _Refused as exc:
        problem, truncated = str(exc), True
    except expat.ExpatError as exc:
        problem, truncated = (
            f"malformed XML ({expat.errors.messages[exc.code]} at line {exc.lineno})",
            True,
        )
    if collector.kind not in (None, "urlset", "sitemapindex") and problem is None:
        problem = f"not a sitemap (root element <{collector.kind}>)"
    if collector.skipped and problem is None:
        problem = f"{collector.skipped} <loc> values are not http(s) URLs"
    return Sitemap(
        urls=tuple(collector.urls),
        sitemaps=tuple(collector.sitemaps),
        problem=problem,
        truncated=truncated,
    )


def _parse_text(data: bytes, max_urls: int) -> Sitemap:
    """A text sitemap: one absolute URL per line (sitemaps.org §"Text file")."""
    urls: dict[str, None] = {}
    skipped = 0
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line:
            continue
        url = _clean(line)
        if url is None:
            skipped += 1
            continue
        if len(urls) >= max_urls:
            return Sitemap(tuple(urls), (), f"more than {max_urls} URLs: the rest is ignored", True)
        urls[url] = None
    problem = f"{skipped} lines are not http(s) URLs" if skipped else None
    return Sitemap(tuple(urls), (), problem)


def parse_sitemap(
    data: bytes, *, max_urls: int = MAX_URLS, max_bytes: int = MAX_DECODED_BYTES
) -> Sitemap:
    """The URLs of one sitemap file: XML urlset or index, gzip or not, or a text list."""
    gzip_problem: str | None = None
    oversize = False
    if data.startswith(_GZIP_MAGIC):
        data, gzip_problem = inflate(data, max_bytes)
        oversize = len(data) >= max_bytes
    elif len(data) > max_bytes:
        data, gzip_problem = data[:max_bytes], f"size over {max_bytes} bytes: the rest is ignored"
        oversize = True
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    result = _parse_xml(data, max_urls) if head.startswith(b"<") else _parse_text(data, max_urls)
    if gzip_problem is not None:
        problem = gzip_problem if result.problem is None else f"{gzip_problem}; {result.problem}"
        return Sitemap(result.urls, result.sitemaps, problem, True, oversize)
    return result
