"""Accepted findings: known problems that are reported but do not fail CI until they expire.

`settings.accept` lists entries (code or `*`, URL glob, `until` date, `why`). A finding matched
by a live entry gets `details.accepted = {why, until, line}`; `Report.failed()` then ignores
it. A finding matched only by an expired entry keeps failing and says so in its message and in
`details.accept_expired`, so the reader knows why a once-quiet problem is loud again.

Pure functions over records: `apply_policy` (ignore, severity, accept) is the one place the
user's policy is applied, by `check` and by `validate` alike; it lives here, away from the
crawler, so that the pre-commit hook `linkcheck validate` stays light.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from linkcheck.config import Accept, Settings
from linkcheck.findings import Finding, Severity

__all__ = ["apply_accepts", "apply_policy", "unused_accepts"]


def apply_policy(findings: Iterable[Finding], settings: Settings, today: dt.date) -> list[Finding]:
    """The user's policy: drop `ignore`d codes, override severities, mark accepted ones
    (accepted while valid, failing again once expired)."""
    kept: list[Finding] = []
    for finding in findings:
        if finding.code in settings.ignore:
            continue
        severity = settings.severity.get(finding.code)
        if severity is not None and severity is not finding.severity:
            finding = replace(finding, severity=Severity(severity))
        kept.append(finding)
    return apply_accepts(kept, settings.accept, today)


def _entry(accept: Accept) -> dict[str, Any]:
    return {
        "why": accept.why,
        "until": accept.until.isoformat() if accept.until else None,
        "line": accept.position.file_line,
    }


def _accept_one(finding: Finding, accepts: Sequence[Accept], today: dt.date) -> Finding:
    # L findings may be accepted by their legacy URL too (DESIGN §3's example names one).
    legacy = finding.details.get("legacy")
    matching = [
        a
        for a in accepts
        if a.matches(finding.code, finding.url)
        or (isinstance(legacy, str) and a.matches(finding.code, legacy))
    ]
    if not matching:
        return finding
    live = [a for a in matching if not a.expired(today)]
    if live:
        details = {**finding.details, "accepted": _entry(live[0])}
        return replace(finding, details=details)
    expired = matching[0]
    until = expired.until.isoformat() if expired.until else "?"
    details = {**finding.details, "accept_expired": _entry(expired)}
    message = f"{finding.message} (acceptance expired on {until}: {expired.why or 'no reason'})"
    return replace(finding, message=message, details=details)


def apply_accepts(
    findings: Iterable[Finding], accepts: Sequence[Accept], today: dt.date | None = None
) -> list[Finding]:
    """Mark the findings matched by `accepts`: accepted while valid, failing again once expired.

    `today` defaults to the local date; an entry is valid through its `until` day inclusive.
    """
    day = today or dt.date.today()
    if not accepts:
        return list(findings)
    return [_accept_one(f, accepts, day) for f in findings]


def unused_accepts(findings: Iterable[Finding], accepts: Sequence[Accept]) -> list[Accept]:
    """Entries that matched nothing in this run: candidates for removal from the config."""
    used: set[int] = set()
    for finding in findings:
        for index, accept in enumerate(accepts):
            if accept.matches(finding.code, finding.url):
                used.add(index)
    return [a for i, a in enumerate(accepts) if i not in used]
