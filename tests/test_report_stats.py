"""Chart numbers: status counts and the response-time histogram."""

from __future__ import annotations

from linkcheck.model import Hop, Response
from linkcheck.report.stats import response_stats, status_counts, time_histogram


def test_responses_are_counted_by_status_or_error_kind() -> None:
    responses = [
        Response("https://x.org/a", "https://x.org/a", 200, elapsed=0.03),
        Response("https://x.org/b", "https://x.org/b", 404, elapsed=0.3),
        Response(
            "https://x.org/c",
            "https://x.org/c",
            None,
            error="t",
            error_kind="timeout",
            elapsed=15.0,
        ),
        Response("https://x.org/d", "https://x.org/d", None, error="?"),
    ]
    stats = response_stats(responses)
    assert stats["status"] == {"200": 1, "404": 1, "timeout": 1, "error": 1}
    assert stats["times"] == [0.03, 0.3, 15.0]


def test_status_counts_put_codes_before_error_kinds() -> None:
    stats = {"status": {"timeout": 2, "404": 3, "200": 9}}
    assert status_counts(stats) == [("200", 9), ("404", 3), ("timeout", 2)]


def test_times_fall_into_buckets() -> None:
    histogram = dict(time_histogram({"times": [0.01, 0.04, 0.07, 0.7, 9.0, "bad"]}))
    assert histogram["<50ms"] == 2 and histogram["<100ms"] == 1
    assert histogram["<1s"] == 1 and histogram["≥5s"] == 1
    assert sum(histogram.values()) == 5


def test_no_stats_draw_no_chart() -> None:
    assert status_counts({}) == [] and time_histogram({}) == []


def test_each_redirect_hop_counts_as_an_answer_of_its_status() -> None:
    """A request that went 301 then 302 then 200 shows all three answers in the chart."""
    hops = (
        Hop("https://x.org/a", 301, "https://x.org/b"),
        Hop("https://x.org/b", 302, "https://x.org/c"),
    )
    responses = [
        Response("https://x.org/a", "https://x.org/c", 200, hops=hops),
        Response(
            "https://x.org/d",
            "https://x.org/e",
            None,
            error="t",
            error_kind="timeout",
            hops=(Hop("https://x.org/d", 301, "https://x.org/e"),),
        ),
    ]
    assert response_stats(responses)["status"] == {"301": 2, "302": 1, "200": 1, "timeout": 1}
