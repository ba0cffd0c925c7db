"""redos.py: the nested quantifiers that make Python's re take exponential time are found
statically, and the URL-shaped repeats that are safe are left alone."""

from __future__ import annotations

import pytest

from linkcheck.redos import exponential_risk


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"(x*)*",
        r"(x+)*",
        r"(.*a){20}",
        r"^(\w+\s?)*$",
        r"(a+|b)+",
        r"((ab)+)+",
        r"^/en/(?:[a-z]+/?)*x$",
        r"(.*/)*x",
        r"^/(\d+)+/$",
        r"(?:[^/]*)*",
        r"^/a/(?=x)((x+)+)y",
        r"^(a|a)+$",
        r"^(?:a|a?)+$",
        r"(x|.)*y",
    ],
)
def test_nested_quantifiers_that_can_swallow_their_group_are_flagged(pattern: str) -> None:
    assert exponential_risk(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [
        r"^/en/(.*)$",
        r"(?:/[^/]+)*",
        r"^/en/(?:[^/]+/)*index\.html$",
        r"([a-z]+-)*",
        r"(\d+)?",
        r"^/en/News/(\d{4})/(.+)\.html$",
        r"(a+b)+",
        r"(x+){2}",
        r"(?P<slug>[^/]+)/$",
        r"[unclosed",
        r"^(ab|a|b)+$",
        r"^/(en|fr)/(?:a|b)*$",
    ],
)
def test_delimited_or_bounded_repeats_are_not_flagged(pattern: str) -> None:
    assert exponential_risk(pattern) is None


def test_the_quantifier_is_named() -> None:
    assert exponential_risk(r"(.*a){20}") == "{20}"
    assert exponential_risk(r"(a+)+") == "+"
