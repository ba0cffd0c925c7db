"""Accepted findings do not fail the run until their date; expired ones fail and say so."""

from __future__ import annotations

import datetime as dt

import pytest
from support.reports import sample_report

from linkcheck.accept import apply_accepts, unused_accepts
from linkcheck.config import Accept, Position
from linkcheck.findings import make_finding

ARCHIVE = "https://old.example.org/en/News/2009/a.html"
ENTRY = Accept(
    "L201",
    "https://old.example.org/en/News/2009/*",
    dt.date(2027, 3, 31),
    "archive being restored",
    Position("redirects.yaml", 12, 7),
)


@pytest.mark.parametrize(
    ("today", "accepted"),
    [(dt.date(2027, 3, 30), True), (dt.date(2027, 3, 31), True), (dt.date(2027, 4, 1), False)],
)
def test_acceptance_holds_through_its_until_day(today: dt.date, accepted: bool) -> None:
    finding = make_finding("L201", ARCHIVE, "legacy counterpart unreachable: 503")
    [result] = apply_accepts([finding], [ENTRY], today)
    assert bool(result.details.get("accepted")) is accepted
    report = sample_report(findings=(result,))
    assert report.failed() is not accepted


def test_an_expired_acceptance_says_so_in_the_message() -> None:
    finding = make_finding("L201", ARCHIVE, "legacy counterpart unreachable: 503")
    [result] = apply_accepts([finding], [ENTRY], dt.date(2028, 1, 1))
    assert "expired on 2027-03-31" in result.message
    assert result.details["accept_expired"]["why"] == "archive being restored"


def test_accepted_details_carry_why_until_and_line() -> None:
    [result] = apply_accepts([make_finding("L201", ARCHIVE, "m")], [ENTRY], dt.date(2027, 1, 1))
    assert result.details["accepted"] == {
        "why": "archive being restored",
        "until": "2027-03-31",
        "line": "redirects.yaml:12",
    }


@pytest.mark.parametrize(
    ("code", "url"),
    [("C100", ARCHIVE), ("L201", "https://old.example.org/en/News/2010/a.html")],
)
def test_other_codes_and_urls_are_not_accepted(code: str, url: str) -> None:
    [result] = apply_accepts([make_finding(code, url, "m")], [ENTRY], dt.date(2027, 1, 1))
    assert "accepted" not in result.details


def test_a_star_code_without_until_accepts_any_code_forever() -> None:
    entry = Accept("*", "https://x.org/*", None, "third party", Position("c.yaml", 1, 1))
    [result] = apply_accepts([make_finding("C101", "https://x.org/a", "m")], [entry])
    assert result.details["accepted"]["until"] is None


def test_unused_entries_are_listed() -> None:
    other = Accept("C100", "https://nowhere/*", None, "", Position("c.yaml", 2, 1))
    findings = [make_finding("L201", ARCHIVE, "m")]
    assert unused_accepts(findings, [ENTRY, other]) == [other]
