"""Records passed between the stages: config → crawl → analyse → report.

They are plain frozen dataclasses; the network layer (`fetch.py`) produces `Response`s, the
extractor produces `Page`s, the analysis modules turn them into findings.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Hop:
    """One redirect answered on the way: `url` --[status]--> `location` (absolute)."""

    url: str
    status: int
    location: str

    def __str__(self) -> str:
        return f"{self.url} --[{self.status}]--> {self.location}"


REDIRECT_FAILURES = frozenset({"loop", "too_many_redirects"})
"""The `error_kind`s of a redirect chain that never ends (C107 for a link, V405 for a rule)."""


@dataclass(frozen=True, slots=True)
class Response:
    """What one request (with its redirects) produced.

    `url` is the URL requested, `final_url` the last URL answered after following `hops`.
    `status` is the final HTTP status, or None when no answer came (`error` says why:
    `kind` is one of timeout, connect, dns, tls, protocol, network, too_many_redirects,
    loop, too_large, scope). `text` holds the decoded body of HTML/XML responses that were
    read, None otherwise.
    """

    url: str
    final_url: str
    status: int | None
    hops: tuple[Hop, ...] = ()
    content_type: str = ""
    text: str | None = None
    error: str | None = None
    error_kind: str | None = None
    elapsed: float = 0.0
    size: int = 0
    charset: str | None = None
    truncated: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    unusable: str | None = None
    """Why the content cannot be used as declared (binary or undecodable HTML: C109)."""
    body: bytes | None = None
    """The raw (decoded-encoding) body, only when asked for with `fetch(raw=True)`."""

    @property
    def ok(self) -> bool:
        """A 2xx final answer."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def broken(self) -> bool:
        """A 4xx/5xx final answer."""
        return self.status is not None and self.status >= 400

    @property
    def is_html(self) -> bool:
        return "html" in self.content_type

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), if kept."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


PACKED_TAG = b"\x01"
"""First byte of a packed Response (journal rows written before start with `{` or `x`)."""
_MARSHAL_VERSION = 4
PACKED_FIELDS = (
    "url",
    "final_url",
    "status",
    "hops",
    "content_type",
    "text",
    "error",
    "error_kind",
    "elapsed",
    "size",
    "charset",
    "truncated",
    "headers",
    "unusable",
    "body",
)
"""The order of the fields in a packed Response (Response's own: it is built positionally).
Changing Response's fields means a new PACKED_TAG: rows of the old one then read as misses."""


def pack_response(response: Response) -> bytes:
    """`response` as bytes, made once in the fetch process and used twice: as its answer to
    the parent and as the journal's row.

    `PACKED_TAG`, then `marshal` (format version pinned) of a tuple of plain values: hops as
    (url, status, location), header names as plain `str` (aiohttp's are `istr`, which marshal
    refuses). About twice as fast as pickle both ways, and unlike pickle, loading it cannot
    run code (marshal builds only str, bytes, numbers, None, bools and tuples). Raises
    ValueError when a field holds anything else.
    """
    hops = response.hops
    return PACKED_TAG + marshal.dumps(
        (
            response.url,
            response.final_url,
            response.status,
            tuple([(hop.url, hop.status, hop.location) for hop in hops]) if hops else (),
            response.content_type,
            response.text,
            response.error,
            response.error_kind,
            response.elapsed,
            response.size,
            response.charset,
            response.truncated,
            tuple([(str(name), value) for name, value in response.headers]),
            response.unusable,
            response.body,
        ),
        _MARSHAL_VERSION,
    )


def unpack_response(data: bytes | memoryview) -> Response:
    """The Response `pack_response` made; ValueError for anything else (another format,
    another Python's marshal, a damaged row): callers treat that as no answer at all."""
    if data[:1] != PACKED_TAG:
        raise ValueError("not a packed response")
    try:
        fields = marshal.loads(data[1:])
    except (EOFError, TypeError) as exc:
        raise ValueError(f"damaged packed response ({exc})") from exc
    if type(fields) is not tuple or len(fields) != len(PACKED_FIELDS):
        raise ValueError("damaged packed response (wrong shape)")
    hops = fields[3]
    try:
        if hops:
            fields = (*fields[:3], tuple([Hop(*hop) for hop in hops]), *fields[4:])
        return Response(*fields)
    except TypeError as exc:
        raise ValueError(f"damaged packed response ({exc})") from exc


@dataclass(frozen=True, slots=True)
class Link:
    """A link found on a page: the absolute normalised `url` (no fragment), the `fragment`
    (decoded, may be empty), the page it was found on, and where (element, attribute)."""

    url: str
    fragment: str
    page: str
    element: str
    attribute: str
    rel: str = ""


@dataclass(frozen=True, slots=True)
class Alternate:
    """A `<link rel="alternate" hreflang=...>` declared by a page."""

    hreflang: str
    url: str


@dataclass(frozen=True, slots=True)
class Page:
    """What the extractor found in one HTML page."""

    url: str
    title: str = ""
    text: str = ""
    lang: str = ""
    ids: frozenset[str] = field(default_factory=frozenset)
    links: tuple[Link, ...] = ()
    alternates: tuple[Alternate, ...] = ()
    notice: str | None = None
    depth: int = 0
    malformed: tuple[tuple[str, str], ...] = ()
    """(reference as written, why it is no URL): links no browser can follow (C110)."""
