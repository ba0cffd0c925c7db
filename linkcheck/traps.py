"""URL traps: infinite URL spaces bounded by a budget per URL "shape" along a chain of links.

A calendar that links to next month for ever, a "next page" that never ends, a session id
added to every link: each is a chain of pages that all look alike, each found from the
previous one. The shape of a URL is its origin plus its path with every run of digits
collapsed to `N` (and hex/UUID-like segments to `H`), plus the sorted query parameter names:
`/cal/2026/11` and `/cal/2026/12` share the shape `/cal/N/N`.

Counting all pages of a shape would stop real sites, whose 20,000 articles share the shape
`/articles/N.html` but are found side by side from listing pages. So the budget counts the
*chain*: a page found from a page of the same shape continues that page's chain; a page
found from a page of another shape starts at zero. A calendar or an endless pagination
makes one long chain and is stopped at `limit` hops; a site of many articles makes many
short ones and is never stopped.

Pure and per run: the crawler asks `ShapeBudget.admit(url, source)` before crawling a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

DEFAULT_BUDGET = 25
"""Same-shape hops followed in a row unless `settings.max_per_pattern` says otherwise."""

_DIGITS = re.compile(r"\d+")
_HEX_ID_MIN = 16
_HEXISH = re.compile(rf"(?i)^(?=[0-9a-f-]*\d)[0-9a-f-]{{{_HEX_ID_MIN},}}$")


@lru_cache(maxsize=65536)
def shape_of(url: str) -> str:
    """The shape of a URL: digits → N, long hex ids → H, query values dropped."""
    if "?" not in url and "#" not in url and url.startswith(("http://", "https://")):
        # The crawl's usual URL (normalised, no query): string slicing, same answer.
        slash = url.find("/", url.find("//") + 2)
        return url if slash < 0 else url[:slash] + _path_shape(url[slash:])
    return _parsed_shape(url)


def _path_shape(path: str) -> str:
    segments = path.split("/")
    if max(map(len, segments)) < _HEX_ID_MIN:  # no id long enough: one pass over the path
        return _DIGITS.sub("N", path)
    return "/".join(
        "H" if _HEXISH.match(segment) else _DIGITS.sub("N", segment) for segment in segments
    )


def _parsed_shape(url: str) -> str:
    """`shape_of` for any URL (query, fragment, long segments), through urlsplit."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    query = "?" + "&".join(keys) if keys else ""
    return f"{parts.scheme}://{parts.netloc}{_path_shape(parts.path)}{query}"


@dataclass(slots=True)
class ShapeBudget:
    """Same-shape chain length of every page admitted; refuses a page past `limit`.

    `chains` keeps only non-zero chains (most pages start none), so memory stays small.
    `exhausted` keeps, per shape that ran out, the first URL refused (for C105 details).
    """

    limit: int = DEFAULT_BUDGET
    chains: dict[str, int] = field(default_factory=dict)
    exhausted: dict[str, str] = field(default_factory=dict)

    def admit(self, url: str, source: str | None = None) -> bool:
        """Whether `url`, found on `source`, may be crawled: False once its chain of
        same-shape pages would be longer than `limit`."""
        if source is None or source == url:
            return True
        shape = shape_of(url)
        if shape != shape_of(source):
            return True
        chain = self.chains.get(source, 0) + 1
        if chain > self.limit:
            self.exhausted.setdefault(shape, url)
            return False
        self.chains[url] = chain
        return True
