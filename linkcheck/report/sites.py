"""Which site a finding, pair or redirect belongs to, and the per-site coverage numbers.

A site is known by its `new` and `legacy` prefixes; a URL belongs to the site with the
longest matching prefix, else to the site on the same host, else to none (`""`: external
links, map entries on other hosts). A finding may name its site in `details.site`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from linkcheck.config import Site
from linkcheck.findings import Finding
from linkcheck.report import PairRecord, RedirectRecord, SiteSummary

__all__ = ["SiteIndex", "site_summaries"]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class SiteIndex:
    """Looks up the site of a URL from the sites' prefixes (built once per report)."""

    def __init__(self, sites: Iterable[tuple[str, str | None, str | None]]) -> None:
        self._prefixes: list[tuple[str, str]] = []
        self._hosts: dict[str, str] = {}
        for name, new, legacy in sites:
            for prefix in (new, legacy):
                if prefix:
                    self._prefixes.append((prefix, name))
                    self._hosts.setdefault(_host(prefix), name)
        self._prefixes.sort(key=lambda item: len(item[0]), reverse=True)

    @classmethod
    def of(cls, summaries: Iterable[SiteSummary]) -> SiteIndex:
        return cls((s.name, s.new, s.legacy) for s in summaries)

    def site_of_url(self, url: str) -> str:
        for prefix, name in self._prefixes:
            if url.startswith(prefix):
                return name
        return self._hosts.get(_host(url), "")

    def site_of_redirect(self, record: RedirectRecord) -> str:
        """The site a rule belongs to: by its absolute source, else by the absolute URL the
        live check asked for (first hop), else by the path of a relative source against the
        sites' prefixes (new or legacy); `""` when none contains it."""
        if _host(record.source):
            return self.site_of_url(record.source)
        hops = record.live.hops if record.live is not None else ()
        asked = hops[0].split(" ", 1)[0] if hops else ""
        if _host(asked):
            site = self.site_of_url(asked)
            if site:
                return site
        return self._site_of_path(record.source)

    def _site_of_path(self, source: str) -> str:
        path = source.removeprefix("^")
        if not path.startswith("/"):
            return ""
        paths = sorted(
            ((urlsplit(prefix).path or "/", name) for prefix, name in self._prefixes),
            key=lambda item: len(item[0]),
            reverse=True,
        )
        return next((name for prefix_path, name in paths if path.startswith(prefix_path)), "")

    def site_of(self, finding: Finding) -> str:
        named = finding.details.get("site")
        if isinstance(named, str) and named:
            return named
        return self.site_of_url(finding.url)


def site_summaries(
    sites: Sequence[Site],
    pairs: Sequence[PairRecord],
    redirects: Sequence[RedirectRecord] = (),
    *,
    pages: Mapping[str, int] | None = None,
    links: Mapping[str, int] | None = None,
) -> tuple[SiteSummary, ...]:
    """One `SiteSummary` per configured site: pairs healthy/broken, coverage, redirects.

    Coverage is healthy pairs over upgraded pages (1.0 when no page is upgraded yet), None
    for a crawl-only site. Redirects count for the site their source belongs to
    (`SiteIndex.site_of_redirect`).
    """
    index = SiteIndex((s.name, s.new, s.legacy) for s in sites)
    by_site: dict[str, list[RedirectRecord]] = {}
    for record in redirects:
        by_site.setdefault(index.site_of_redirect(record), []).append(record)
    summaries = []
    for site in sites:
        own = [p for p in pairs if p.site == site.name]
        healthy = sum(1 for p in own if p.healthy)
        coverage = (healthy / len(own) if own else 1.0) if site.pairs else None
        checked = [r for r in by_site.get(site.name, []) if r.healthy is not None]
        summaries.append(
            SiteSummary(
                site.name,
                upgraded=len(own),
                healthy_pairs=healthy,
                coverage=coverage,
                pages=(pages or {}).get(site.name, 0),
                links=(links or {}).get(site.name, 0),
                new=site.new,
                legacy=site.legacy,
                broken_pairs=len(own) - healthy,
                redirects=len(checked),
                healthy_redirects=sum(1 for r in checked if r.healthy),
            )
        )
    return tuple(summaries)
