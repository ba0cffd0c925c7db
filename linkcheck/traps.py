"""URL traps: infinite URL spaces bounded by a budget per URL "shape".

A calendar that links to next month for ever, a faceted search that adds one more filter,
a session id in every link: each produces endless distinct URLs that all look alike. Depth
and page limits stop them eventually, but only after they have eaten the page budget of the
real site. So besides those, each shape of URL gets its own budget of pages: the shape is
the origin plus the path with every run of digits collapsed to `N` (and hex/UUID-like
segments to `H`), plus the sorted query parameter names. `/cal/2026/11` and `/cal/1999/3`
share the shape `/cal/N/N`; `/en/articles/meeting/` has a shape of its own.

Pure and per run: the crawler asks `ShapeBudget.admit(url)` before crawling a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

DEFAULT_BUDGET = 1000
"""Pages crawled per URL shape unless `settings.max_per_pattern` says otherwise."""

_DIGITS = re.compile(r"\d+")
_HEXISH = re.compile(r"(?i)^(?=[0-9a-f-]*\d)[0-9a-f-]{16,}$")


def shape_of(url: str) -> str:
    """The shape of a URL: digits → N, long hex ids → H, query values dropped."""
    parts = urlsplit(url)
    segments = []
    for segment in parts.path.split("/"):
        if _HEXISH.match(segment):
            segments.append("H")
        else:
            segments.append(_DIGITS.sub("N", segment))
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    query = "?" + "&".join(keys) if keys else ""
    return f"{parts.scheme}://{parts.netloc}{'/'.join(segments)}{query}"


@dataclass(slots=True)
class ShapeBudget:
    """How many pages of each shape were admitted; refuses past `limit`.

    `exhausted` keeps, per shape that ran out, the first URL refused (for C105 details).
    """

    limit: int = DEFAULT_BUDGET
    counts: dict[str, int] = field(default_factory=dict)
    exhausted: dict[str, str] = field(default_factory=dict)

    def admit(self, url: str) -> bool:
        """Count `url` against its shape; False once the shape has had `limit` pages."""
        shape = shape_of(url)
        used = self.counts.get(shape, 0)
        if used >= self.limit:
            self.exhausted.setdefault(shape, url)
            return False
        self.counts[shape] = used + 1
        return True
