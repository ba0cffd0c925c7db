"""Numbers for the report's charts, gathered from the responses of a run.

`Report.stats` holds `status` (answers by status code, redirect hops included, or by error
kind for failures) and
`times` (seconds per request). The charts are drawn from these; nothing else reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from linkcheck.model import Response

__all__ = ["TIME_BUCKETS", "response_stats", "status_counts", "time_histogram"]

TIME_BUCKETS: Sequence[tuple[float, str]] = (
    (0.05, "<50ms"),
    (0.1, "<100ms"),
    (0.2, "<200ms"),
    (0.5, "<500ms"),
    (1.0, "<1s"),
    (2.0, "<2s"),
    (5.0, "<5s"),
    (float("inf"), "≥5s"),
)


def response_stats(responses: Iterable[Response]) -> dict[str, Any]:
    """`{"status": {"200": n, "301": n, "timeout": n, ...}, "times": [seconds, ...]}` for
    `Report.stats`: every answer a server gave, so each redirect hop (301, 302, ...) counts
    besides the final status of the request it belongs to."""
    statuses: Counter[str] = Counter()
    times: list[float] = []
    for response in responses:
        for hop in response.hops:
            statuses[str(hop.status)] += 1
        key = str(response.status) if response.status is not None else response.error_kind
        statuses[key or "error"] += 1
        if response.elapsed > 0:
            times.append(round(response.elapsed, 4))
    return {"status": dict(statuses), "times": times}


def status_counts(stats: Any) -> list[tuple[str, int]]:
    """Status counts sorted: numeric codes first, then error kinds."""
    raw = stats.get("status") if isinstance(stats, dict) or hasattr(stats, "get") else None
    if not raw:
        return []
    items = [(str(k), int(v)) for k, v in raw.items() if isinstance(v, int | float)]
    return sorted(items, key=lambda kv: (not kv[0].isdigit(), kv[0]))


def time_histogram(stats: Any) -> list[tuple[str, int]]:
    """Response times bucketed by TIME_BUCKETS (empty without times)."""
    raw = stats.get("times") if hasattr(stats, "get") else None
    if not raw:
        return []
    counts = [0] * len(TIME_BUCKETS)
    for value in raw:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        for i, (limit, _label) in enumerate(TIME_BUCKETS):
            if seconds < limit:
                counts[i] += 1
                break
    return [(label, n) for (_limit, label), n in zip(TIME_BUCKETS, counts, strict=True)]
