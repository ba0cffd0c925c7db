"""URL shapes and the per-shape page budget against URL traps."""

from __future__ import annotations

import pytest

from linkcheck.traps import ShapeBudget, shape_of


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("http://a.example/cal/2026/11", "http://a.example/cal/N/N"),
        ("http://a.example/cal/1999/3", "http://a.example/cal/N/N"),
        ("http://a.example/en/articles/meeting/", "http://a.example/en/articles/meeting/"),
        ("http://a.example/p/page-12.html", "http://a.example/p/page-N.html"),
        ("http://a.example/s?q=1&sort=2&q=3", "http://a.example/s?q&sort"),
        (
            "http://a.example/item/3f2b8c1e-9d4a-4b7e-8f00-123456789abc/",
            "http://a.example/item/H/",
        ),
        ("http://a.example:8080/x/1", "http://a.example:8080/x/N"),
    ],
)
def test_shape_collapses_digits_ids_and_query_values(url: str, shape: str) -> None:
    assert shape_of(url) == shape


def test_budget_refuses_past_the_limit_per_shape_only() -> None:
    """A calendar trap stops at the budget; another shape on the same host goes on."""
    budget = ShapeBudget(limit=3)
    months = [f"http://a.example/cal/2026/{m}" for m in range(1, 7)]
    assert [budget.admit(url) for url in months] == [True, True, True, False, False, False]
    assert budget.admit("http://a.example/en/about/")
    assert budget.exhausted == {"http://a.example/cal/N/N": months[3]}


def test_different_hosts_have_separate_budgets() -> None:
    budget = ShapeBudget(limit=1)
    assert budget.admit("http://a.example/cal/1")
    assert budget.admit("http://b.example/cal/1")
    assert not budget.admit("http://a.example/cal/2")
