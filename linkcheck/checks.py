"""Link findings (C codes) over the crawl's records: pure functions, no network.

Each check is one small function. A *target check* looks at one link target (its URL, its
`LinkTarget` referrers and its `Response`) and returns at most one finding: a target broken
from 40 pages is one finding with the 40 referring pages in `details.sources`. A *result
check* looks at the whole `CrawlResult` (limits, exclusions). Adding a code means writing one
function and listing it in `TARGET_CHECKS` or `RESULT_CHECKS`.

Counterpart notice links never reach these checks: the extractor keeps them out of the link
index, since they yield L codes only (pairing.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from linkcheck.crawl import MAX_SOURCES, CrawlResult, LinkTarget
from linkcheck.findings import Finding, make_finding
from linkcheck.model import REDIRECT_FAILURES, Response

__all__ = ["RESULT_CHECKS", "TARGET_CHECKS", "link_findings"]

TargetCheck = Callable[[str, LinkTarget, Response, CrawlResult], Finding | None]
ResultCheck = Callable[[CrawlResult], Iterable[Finding]]

UNREACHABLE_KINDS = frozenset(
    {"timeout", "connect", "dns", "tls", "protocol", "network", "internal"}
)
_IMPLICIT_FRAGMENTS = frozenset({"top"})


def link_findings(result: CrawlResult) -> list[Finding]:
    """All C findings of a crawl, one per (code, target URL)."""
    findings: list[Finding] = []
    responses = result.responses
    for url, target in result.links.items():
        response = responses.get(url)
        if response is None:
            continue
        for check in TARGET_CHECKS:
            finding = check(url, target, response, result)
            if finding is not None:
                findings.append(finding)
    for result_check in RESULT_CHECKS:
        findings.extend(result_check(result))
    return findings


def _sources(pages: Iterable[str]) -> list[str]:
    return sorted(set(pages))


def _link_details(target: LinkTarget, response: Response, **more: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "sources": _sources(target.sources),
        "source_count": max(target.count, len(target.sources)),
    }
    if target.seed:
        details["seed"] = True
    if response.hops:
        details["final"] = response.final_url
        details["hops"] = [str(hop) for hop in response.hops]
    details.update(more)
    return details


def _target_finding(
    code: str, url: str, message: str, target: LinkTarget, response: Response, **more: Any
) -> Finding:
    """A finding about one link target: where it is linked from, and how it answered."""
    return make_finding(
        code,
        url,
        message + _where(target),
        source=_source(target),
        **_link_details(target, response, **more),
    )


def _source(target: LinkTarget) -> str | None:
    return min(target.sources) if target.sources else None


def _where(target: LinkTarget) -> str:
    if target.count > 1:
        return f" (linked from {target.count} pages)"
    if target.seed and not target.sources:
        return " (a configured seed)"
    return ""


# --------------------------------------------------------------------------- target checks


def check_broken(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C100: the target (after its redirects) answers 4xx/5xx."""
    if not response.broken:
        return None
    via = f" after redirecting to {response.final_url}" if response.hops else ""
    return _target_finding(
        "C100",
        url,
        f"link target answers {response.status}{via}",
        target,
        response,
        status=response.status,
    )


def check_unreachable(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C101: no answer after retries (DNS, connect, TLS, timeout, protocol)."""
    if response.status is not None or response.error_kind not in UNREACHABLE_KINDS:
        return None
    return _target_finding(
        "C101",
        url,
        f"no answer ({response.error_kind}: {response.error})",
        target,
        response,
        error=response.error,
        kind=response.error_kind,
    )


def check_redirect(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C102: the link goes through a redirect to a working page; link the final URL.

    Redirects that end broken are C100, loops C107: the fix is elsewhere. A redirect out of
    the crawl scope (another host, `check_external` off) was not followed: the link does
    redirect, to `final`, whose own answer is unknown.
    """
    if not response.hops:
        return None
    outside = response.status is None and response.error_kind == "scope"
    if not outside and (response.status is None or response.status >= 400):
        return None
    first = response.hops[0]
    unfollowed = " (another host: not followed)" if outside else ""
    return _target_finding(
        "C102",
        url,
        f"link target redirects ({first.status}) to {response.final_url}{unfollowed}",
        target,
        response,
        status=first.status,
    )


def check_fragment(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C103: `#fragment`s that name no id or `<a name>` on the parsed HTML target."""
    if not target.fragments or not response.ok:
        return None
    ids = result.anchors.get(response.final_url)
    if ids is None:
        ids = result.anchors.get(url)
    if ids is None:
        return None  # not parsed (not HTML, too large, not read): nothing to judge
    missing = {
        fragment: pages
        for fragment, pages in target.fragments.items()
        if fragment not in ids
        and fragment.lower() not in _IMPLICIT_FRAGMENTS
        and not fragment.startswith(":~:")
    }
    if not missing:
        return None
    names = sorted(missing)
    shown = ", ".join(f"#{name}" for name in names[:5]) + (" ..." if len(names) > 5 else "")
    sources = _sources(page for pages in missing.values() for page in pages)
    return make_finding(
        "C103",
        url,
        f"fragment{'s' if len(names) > 1 else ''} {shown} not found on the page",
        source=sources[0] if sources else None,
        sources=sources,
        source_count=len(sources),
        fragments={name: _sources(missing[name]) for name in names},
    )


def check_redirect_failure(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C107: following the link's redirects loops or exceeds the hop limit."""
    if response.error_kind not in REDIRECT_FAILURES:
        return None
    what = "loops" if response.error_kind == "loop" else "takes too many hops"
    return _target_finding(
        "C107",
        url,
        f"following the redirects {what} ({len(response.hops)} hops)",
        target,
        response,
        kind=response.error_kind,
    )


def check_robots(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C106: robots.txt forbids the URL, so it was not requested (never "broken")."""
    if response.error_kind != "robots":
        return None
    return _target_finding(
        "C106",
        url,
        f"not checked: {response.error}",
        target,
        response,
        reason="robots",
    )


def check_too_large(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C108: the decoded body went over the size cap (a bomb or a huge page); not parsed."""
    if response.error_kind != "too_large" and not response.truncated:
        return None
    return _target_finding(
        "C108",
        url,
        f"response over the size cap: {response.error or 'truncated'}",
        target,
        response,
        size=response.size,
    )


def check_unusable(
    url: str, target: LinkTarget, response: Response, result: CrawlResult
) -> Finding | None:
    """C109: the content cannot be used as declared (binary or undecodable HTML, bad sitemap)."""
    if response.unusable is None:
        return None
    return _target_finding(
        "C109",
        url,
        f"content unusable as declared: {response.unusable}",
        target,
        response,
        reason=response.unusable,
        content_type=response.content_type,
        charset=response.charset,
    )


TARGET_CHECKS: tuple[TargetCheck, ...] = (
    check_broken,
    check_unreachable,
    check_redirect,
    check_fragment,
    check_redirect_failure,
    check_robots,
    check_too_large,
    check_unusable,
)


# --------------------------------------------------------------------------- result checks


def check_limits(result: CrawlResult) -> Iterable[Finding]:
    """C105: once per site and limit kind, the crawl stopped at a limit."""
    words = {
        "max_pages": "pages",
        "max_depth": "depth",
        "max_time": "seconds",
        "max_per_pattern": "look-alike pages in a row",
    }
    for limit in result.limits:
        yield make_finding(
            "C105",
            limit.url,
            f"site {limit.site!r}: crawl stopped at {limit.kind} "
            f"({limit.value:g} {words.get(limit.kind, '')})".rstrip(),
            site=limit.site,
            limit=limit.kind,
            value=limit.value,
            example=limit.example or None,
        )


def check_excluded(result: CrawlResult) -> Iterable[Finding]:
    """C106: URLs skipped because an exclude pattern matched (never fetched)."""
    for url, pattern in result.excluded.items():
        target = result.links.get(url) or LinkTarget()
        yield make_finding(
            "C106",
            url,
            f"not checked: matches exclude pattern {pattern!r}",
            source=_source(target),
            sources=_sources(target.sources),
            reason="exclude",
            pattern=pattern,
        )


def check_insecure(result: CrawlResult) -> Iterable[Finding]:
    """C104: an `http://` URL linked from `https://` pages (checked or not)."""
    for url, pages in result.insecure.items():
        secure = "https://" + url[len("http://") :]
        yield make_finding(
            "C104",
            url,
            f"insecure link: http:// URL on {len(pages)} https:// page"
            f"{'s' if len(pages) > 1 else ''}; link {secure}",
            source=min(pages),
            sources=_sources(pages),
            source_count=len(pages),
            secure=secure,
        )


def check_alternates(result: CrawlResult) -> Iterable[Finding]:
    """H501: a language alternate is broken; H500: it does not declare the page back.

    One finding per (declaring page, alternate). The return link is judged only when the
    alternate was crawled (parsed); both sides are compared after their redirects, so an
    alternate declared through a redirect still counts as a return link.
    """
    pages = {page.url: page for page in result.all_pages()}
    responses = result.responses

    def final(url: str) -> str:
        response = responses.get(url)
        return response.final_url if response is not None and response.hops else url

    for page in pages.values():
        for alternate in page.alternates:
            if alternate.url == page.url:
                continue  # the page names itself among its alternates, as it should
            response = responses.get(alternate.url)
            if response is None:
                continue  # not checked (another host without check_external, excluded)
            where = f"hreflang={alternate.hreflang!r} alternate {alternate.url}"
            details: dict[str, Any] = {"alternate": alternate.url, "hreflang": alternate.hreflang}
            failed = response.status is None and response.error_kind in (
                UNREACHABLE_KINDS | REDIRECT_FAILURES
            )
            if response.broken or failed:
                what = f"answers {response.status}" if response.broken else "cannot be reached"
                yield make_finding(
                    "H501",
                    page.url,
                    f"{where} {what}",
                    source=page.url,
                    status=response.status,
                    error=response.error,
                    **details,
                )
                continue
            target = pages.get(final(alternate.url))
            if target is None:
                continue  # not parsed: the return link cannot be judged
            back = {final(a.url) for a in target.alternates}
            if page.url not in back and final(page.url) not in back:
                yield make_finding(
                    "H500",
                    page.url,
                    f"{where} does not link back to this page",
                    source=page.url,
                    target_alternates=sorted(a.url for a in target.alternates),
                    **details,
                )


def check_malformed(result: CrawlResult) -> Iterable[Finding]:
    """C110: references that are no URL (kept by the extractor as written), one finding per
    reference with the pages that hold it."""
    found: dict[str, tuple[str, list[str]]] = {}
    for page in result.all_pages():
        for reference, problem in page.malformed:
            pages = found.setdefault(reference, (problem, []))[1]
            if len(pages) < MAX_SOURCES:
                pages.append(page.url)
    for reference, (problem, pages) in found.items():
        sources = _sources(pages)
        yield make_finding(
            "C110",
            reference,
            f"malformed link ({problem}): no browser can follow it",
            source=sources[0],
            sources=sources,
            source_count=len(sources),
        )


RESULT_CHECKS: tuple[ResultCheck, ...] = (
    check_limits,
    check_excluded,
    check_insecure,
    check_alternates,
    check_malformed,
)
