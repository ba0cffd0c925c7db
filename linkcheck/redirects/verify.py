"""Live verification of the redirect map: what do the servers really answer? (V400-V406)

For every valid rule with a concrete source (exact rules; for regex rules their `examples`
and the crawled URLs they would win in nginx's order) the source is requested and its
redirects are followed one request per hop, so that the first status, every `Location` and
loops are seen as they are. A 410 rule's source is requested without following. The findings:

- V400 the source serves content (2xx) instead of redirecting;
- V401 it redirects with another status than declared;
- V402 the final target differs from the declared one;
- V403 the final answer is not 2xx (or no answer came);
- V404 the declared target is reached, but through more than one redirect;
- V405 the redirects loop, or exceed `settings.max_hops`;
- V406 a rule declared 410 Gone answers otherwise.

Targets are compared after `urls.normalize`. The network is touched only through
`fetch.Fetcher`, which follows the redirects by hand and records every hop (its hop limit,
loop detection, `--remap` and politeness limits apply).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from linkcheck.config import Config, Rule
from linkcheck.findings import Finding, make_finding
from linkcheck.model import REDIRECT_FAILURES, Response
from linkcheck.redirects.nginx import regex_scope, rejected_rules, static_findings
from linkcheck.redos import MAX_SUBJECT
from linkcheck.report import LiveRedirect, RedirectRecord
from linkcheck.urls import UrlError, decoded_path, host_of, normalize, origin_of

__all__ = [
    "Check",
    "HttpFetcher",
    "expected_target",
    "plan_checks",
    "redirect_records",
    "verify_redirects",
]

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
    """One live check: request `url`, expect the rule's status and (unless gone) `target`."""

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
    by_host = _regexes_by_host(regexes, origin)
    for raw in dict.fromkeys(seen_urls) if regexes else ():  # no regex: no URL to attribute
        url = _absolute(raw, None)
        if url is None or url.partition("?")[0] in exact or len(url) > MAX_SUBJECT:
            continue  # (no user regex sees a URL that long: redos.py)
        for rule, compiled in by_host.get(host_of(url), by_host[""]):
            subject = _regex_subject(rule, url, origin)
            match = compiled.search(subject) if subject is not None else None
            if match is not None:
                key = (rule.index, url)
                if key not in checks:
                    checks[key] = Check(rule, url, expected_target(rule, url, match))
                break
    return sorted(checks.values(), key=lambda c: (c.rule.index, c.url))


def _regexes_by_host(
    regexes: Sequence[tuple[Rule, re.Pattern[str]]], origin: str | None
) -> dict[str, list[tuple[Rule, re.Pattern[str]]]]:
    """The regex rules that can apply to each host, in map order (`""`: any other host), so
    that a big crawl is not matched against every regex of every host."""
    anywhere: list[tuple[Rule, re.Pattern[str]]] = []
    hosts: dict[str, list[tuple[Rule, re.Pattern[str]]]] = {}
    for rule, compiled in regexes:
        try:
            host, _ = regex_scope(rule, origin)
        except ValueError:
            anywhere.append((rule, compiled))
            continue
        hosts.setdefault(host, []).append((rule, compiled))
    out = {
        host: sorted([*own, *anywhere], key=lambda pair: pair[0].index)
        for host, own in hosts.items()
    }
    out[""] = anywhere
    return out


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


async def _check(fetcher: HttpFetcher, check: Check) -> _Outcome:
    """One source: the fetcher follows the redirects (hop limit, loop detection, `--remap`)
    and records every hop; the V codes are read off that chain."""
    rule = check.rule
    answer = await fetcher.fetch(check.url, follow=not rule.gone, read_body=False)
    hops = answer.hops
    looped = answer.error_kind in REDIRECT_FAILURES
    first_status = hops[0].status if hops else answer.status
    location = hops[0].location if hops else None
    if rule.gone and answer.status is not None and 300 <= answer.status < 400:
        location = answer.header("Location")
    final_status = None if looped else answer.status
    hop_text = tuple(str(h) for h in hops)
    live = LiveRedirect(first_status, location, hop_text, final_status)
    details: dict[str, Any] = {
        "declared_status": rule.status,
        "declared_target": check.target,
        "status": first_status,
        "location": location,
        "hops": list(hop_text),
        "final_status": final_status,
    }
    findings: list[Finding] = []

    def finding(code: str, message: str, **extra: Any) -> None:
        findings.append(
            make_finding(
                code, check.url, message, source=rule.position.file_line, **details, **extra
            )
        )

    refused = answer.status is None and answer.error_kind in _NOT_CHECKED
    if refused and not hops:
        return _Outcome(live, ())  # robots.txt or scope said no: not checked, not broken
    no_answer = f"no answer ({answer.error or answer.error_kind or 'network error'})"
    if rule.gone:
        if answer.status != 410:
            got = f"answers {answer.status}" if answer.status is not None else f"gives {no_answer}"
            finding("V406", f"declared 410 Gone, but the server {got}")
        return _Outcome(live, tuple(findings))
    if not hops:
        if answer.status is not None and 200 <= answer.status < 300:
            finding("V400", f"does not redirect: the server serves content ({answer.status})")
        else:
            got = f"answers {answer.status}" if answer.status is not None else f"gives {no_answer}"
            finding("V403", f"does not redirect: the server {got}")
        return _Outcome(live, tuple(findings))
    if first_status != rule.status:
        finding("V401", f"redirects with {first_status}, the map declares {rule.status}")
    if looped:
        finding("V405", f"redirect loop: {answer.error or 'too many redirects'}")
        return _Outcome(live, tuple(findings))
    final_url = hops[-1].location
    if check.target is not None and final_url != check.target:
        finding("V402", f"ends at {final_url}, the map declares {check.target}", final=final_url)
    elif len(hops) > 1:
        finding(
            "V404",
            f"reaches the declared target through {len(hops)} redirects instead of one",
            final=final_url,
        )
    if not refused and not answer.ok:
        got = f"answers {answer.status}" if answer.status is not None else f"gives {no_answer}"
        finding("V403", f"the final target {final_url} {got}", final=final_url)
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
            return await _check(fetcher, check)

    outcomes = await asyncio.gather(*(run(c) for c in checks))
    by_rule: dict[int, list[_Outcome]] = {}
    findings: list[Finding] = []
    for check, outcome in zip(checks, outcomes, strict=True):
        by_rule.setdefault(check.rule.index, []).append(outcome)
        findings.extend(outcome.findings)
    records = [_record(rule, by_rule.get(rule.index, ()), invalid) for rule in config.rules]
    return records, findings


def redirect_records(config: Config, invalid: Collection[int] = ()) -> list[RedirectRecord]:
    """One record per map entry, none checked (`--offline`)."""
    return [_record(rule, (), invalid) for rule in config.rules]


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
