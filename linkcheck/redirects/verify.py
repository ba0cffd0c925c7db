"""Live verification of the redirect map: what do the servers really answer? (V400-V406)

For every valid rule with a concrete source (exact rules; for regex rules their `examples`
and the crawled URLs they would win in nginx's order) the source is requested without
following redirects, then the redirect is followed hop by hop, each hop a request of its own,
so that the first status, every `Location` and loops are seen as they are. The findings:

- V400 the source serves content (2xx) instead of redirecting;
- V401 it redirects with another status than declared;
- V402 the final target differs from the declared one;
- V403 the final answer is not 2xx (or no answer came);
- V404 the declared target is reached, but through more than one redirect;
- V405 the redirects loop, or exceed `settings.max_hops`;
- V406 a rule declared 410 Gone answers otherwise.

Targets are compared after `urls.normalize`. The network is touched only through the fetcher
(engineer A's `fetch.Fetcher`, or anything with the same `fetch` method), whose politeness
limits apply.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from linkcheck.config import Config, Rule
from linkcheck.findings import Finding, make_finding
from linkcheck.model import Hop, Response
from linkcheck.redirects.nginx import rejected_rules, static_findings
from linkcheck.report import LiveRedirect, RedirectRecord
from linkcheck.urls import UrlError, decoded_path, host_of, normalize, origin_of, resolve

__all__ = ["Check", "HttpFetcher", "expected_target", "plan_checks", "verify_redirects"]

_CAPTURE_REF = re.compile(r"\$([1-9])")
_ABSOLUTE = re.compile(r"\^?https?", re.IGNORECASE)
_NOT_CHECKED = frozenset({"robots", "scope"})
"""Fetcher refusals that are no answer from the server (C106 territory, not V403)."""


class HttpFetcher(Protocol):
    """What verification needs of `fetch.Fetcher` (BRIEF.md interface)."""

    async def fetch(
        self, url: str, *, follow: bool = True, method: str = "GET", read_body: bool = True
    ) -> Response: ...


@dataclass(frozen=True, slots=True)
class Check:
    """One live check: request `url`, expect `status` and (for redirects) `target`."""

    rule: Rule
    url: str
    target: str | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    live: LiveRedirect
    findings: tuple[Finding, ...]


# --------------------------------------------------------------------------- what to check


def _regex_subject(rule: Rule, url: str, origin: str | None) -> str | None:
    """What a regex rule matches for `url`: the whole URL (path decoded) for an absolute
    regex, the decoded path on `defaults.origin`'s host for a relative one."""
    if _ABSOLUTE.match(rule.source) and "://" in rule.source:
        return origin_of(url) + decoded_path(url)
    if origin is None or host_of(url) != host_of(origin):
        return None
    return decoded_path(url)


def expected_target(rule: Rule, url: str, match: re.Match[str] | None) -> str | None:
    """The target nginx should send for `url`: the rule's target with `$1`-`$9` filled from
    the regex match, the request's query string carried (joined with `&` when the target
    has one) unless `query: drop`; normalised. None for 410 rules."""
    target = rule.to_url
    if target is None:
        return None
    if match is not None:
        target = _CAPTURE_REF.sub(lambda m: _group(match, int(m.group(1))), target)
    query = url.partition("?")[2]
    if query and rule.query == "keep":
        target += ("&" if "?" in target else "?") + query
    try:
        return normalize(target)
    except UrlError:
        return target


def _group(match: re.Match[str], number: int) -> str:
    if number > (match.re.groups or 0):
        return ""
    return match.group(number) or ""


def plan_checks(
    config: Config, seen_urls: Iterable[str], invalid: Collection[int] = ()
) -> list[Check]:
    """Every (rule, source URL, expected target) to check live, in map order.

    A crawled URL is attributed to the rule nginx would apply (an exact rule first, then the
    first matching regex), so a shadowed regex is not blamed for another rule's answer.
    """
    origin = config.defaults.origin
    rules = [r for r in config.rules if r.valid and r.index not in invalid]
    exact: dict[str, Rule] = {}
    for rule in rules:
        if not rule.regex and rule.from_url is not None:
            exact.setdefault(rule.from_url.partition("?")[0], rule)
    regexes = [(r, re.compile(r.source)) for r in rules if r.regex]
    checks: dict[tuple[int, str], Check] = {}
    for rule in rules:
        if not rule.regex and rule.from_url is not None:
            checks[(rule.index, rule.from_url)] = Check(
                rule, rule.from_url, expected_target(rule, rule.from_url, None)
            )
    for rule, _compiled in regexes:
        for example in rule.examples:
            url = _absolute(example.source, origin)
            if url is None:
                continue
            target = None if rule.gone else _absolute(example.target, origin)
            checks.setdefault((rule.index, url), Check(rule, url, target))
    for raw in seen_urls:
        url = _absolute(raw, None)
        if url is None or url.partition("?")[0] in exact:
            continue
        for rule, compiled in regexes:
            subject = _regex_subject(rule, url, origin)
            match = compiled.search(subject) if subject is not None else None
            if match is not None:
                key = (rule.index, url)
                if key not in checks:
                    checks[key] = Check(rule, url, expected_target(rule, url, match))
                break
    return sorted(checks.values(), key=lambda c: (c.rule.index, c.url))


def _absolute(url: str, origin: str | None) -> str | None:
    try:
        if url.startswith("/") and origin is not None:
            return normalize(origin + url).partition("#")[0]
        if url.lower().startswith(("http://", "https://")):
            return normalize(url).partition("#")[0]
    except UrlError:
        return None
    return None


# --------------------------------------------------------------------------- checking


async def _check(fetcher: HttpFetcher, check: Check, max_hops: int) -> _Outcome:
    rule = check.rule
    first = await fetcher.fetch(check.url, follow=False, read_body=False)
    location = first.header("Location") if first.status is not None else None
    hops: list[Hop] = []
    findings: list[Finding] = []
    details: dict[str, Any] = {
        "declared_status": rule.status,
        "declared_target": check.target,
        "status": first.status,
        "location": location,
    }

    def finding(code: str, message: str, **extra: Any) -> None:
        findings.append(
            make_finding(
                code,
                check.url,
                message,
                source=rule.position.file_line,
                **details,
                **extra,
            )
        )

    if rule.gone:
        if first.status is None and first.error_kind in _NOT_CHECKED:
            return _Outcome(LiveRedirect(None, None, (), None), ())
        if first.status != 410:
            answer = first.status if first.status is not None else f"no answer ({first.error})"
            finding("V406", f"declared 410 Gone, but the server answers {answer}")
        live = LiveRedirect(first.status, location, (), first.status)
        return _Outcome(live, tuple(findings))

    final = first
    loop: str | None = None
    current = check.url
    visited = {check.url}
    while final.status is not None and 300 <= final.status < 400:
        where = final.header("Location")
        if not where:
            break
        try:
            nxt = resolve(where, current).partition("#")[0]
        except UrlError:
            break
        hops.append(Hop(current, final.status, nxt))
        if nxt in visited:
            loop = f"the redirects come back to {nxt}"
            break
        if len(hops) >= max_hops:
            loop = f"more than {max_hops} redirects"
            break
        visited.add(nxt)
        current = nxt
        final = await fetcher.fetch(current, follow=False, read_body=False)
    hop_text = tuple(str(h) for h in hops)
    details["hops"] = list(hop_text)
    final_status = None if loop else final.status
    details["final_status"] = final_status
    live = LiveRedirect(first.status, location, hop_text, final_status)

    if first.status is None and first.error_kind in _NOT_CHECKED:
        return _Outcome(live, ())  # robots.txt or scope said no: not checked, not broken
    if first.status is None:
        finding("V403", f"no answer from the source: {first.error or 'network error'}")
        return _Outcome(live, tuple(findings))
    if 200 <= first.status < 300:
        finding("V400", f"does not redirect: the server serves content ({first.status})")
        return _Outcome(live, tuple(findings))
    if not hops:
        finding("V403", f"does not redirect: the server answers {first.status}")
        return _Outcome(live, tuple(findings))
    if first.status != rule.status:
        finding("V401", f"redirects with {first.status}, the map declares {rule.status}")
    if loop:
        finding("V405", f"redirect loop: {loop}")
        return _Outcome(live, tuple(findings))
    final_url = hops[-1].location
    if check.target is not None and final_url != check.target:
        finding(
            "V402",
            f"ends at {final_url}, the map declares {check.target}",
            final=final_url,
        )
    elif len(hops) > 1:
        finding(
            "V404",
            f"reaches the declared target through {len(hops)} redirects instead of one",
            final=final_url,
        )
    refused = final.status is None and final.error_kind in _NOT_CHECKED
    if not refused and (final.status is None or not 200 <= final.status < 300):
        answer = final.status if final.status is not None else f"no answer ({final.error})"
        finding("V403", f"the final target {final_url} answers {answer}", final=final_url)
    return _Outcome(live, tuple(findings))


async def verify_redirects(
    config: Config,
    fetcher: HttpFetcher,
    seen_urls: Iterable[str],
    *,
    invalid: Collection[int] | None = None,
) -> tuple[list[RedirectRecord], list[Finding]]:
    """Check every concrete source of the map live; one record per map entry.

    `invalid` holds indexes of rules the validator rejected (R300, R307): they are reported
    with `live` None and not requested. The orchestrator passes them from the findings it
    already has (`nginx.rejected_rules(config, findings)`); None runs the validator here.
    """
    if invalid is None:
        invalid = rejected_rules(config, static_findings(config))
    checks = plan_checks(config, seen_urls, invalid)
    limit = asyncio.Semaphore(max(1, config.settings.concurrency) * 2)

    async def run(check: Check) -> _Outcome:
        async with limit:
            return await _check(fetcher, check, config.settings.max_hops)

    outcomes = await asyncio.gather(*(run(c) for c in checks))
    by_rule: dict[int, list[_Outcome]] = {}
    findings: list[Finding] = []
    for check, outcome in zip(checks, outcomes, strict=True):
        by_rule.setdefault(check.rule.index, []).append(outcome)
        findings.extend(outcome.findings)
    records = [_record(rule, by_rule.get(rule.index, ()), invalid) for rule in config.rules]
    return records, findings


def _record(rule: Rule, outcomes: Sequence[_Outcome], invalid: Collection[int]) -> RedirectRecord:
    valid = rule.valid and rule.index not in invalid
    live = outcomes[0].live if outcomes else None
    healthy = None if not outcomes else not any(o.findings for o in outcomes)
    return RedirectRecord(
        source=rule.source,
        target=rule.target,
        status=rule.status,
        line=rule.position.line,
        file=rule.position.file,
        valid=valid,
        live=live,
        healthy=healthy,
    )
