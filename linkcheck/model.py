"""Records passed between the stages: config → crawl → analyse → report.

They are plain frozen dataclasses; the network layer (`fetch.py`) produces `Response`s, the
extractor produces `Page`s, the analysis modules turn them into findings.
"""

from __future__ import annotations

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
