"""Suggestions for misspelt names: one rule for schemas, profiles, the CLI and expressions."""

from __future__ import annotations

from mock_pipelines.spec.errors import suggest


def test_a_near_miss_is_suggested_and_a_far_one_is_not() -> None:
    assert suggest("custmers", ["orders", "customers"]) == "customers"
    assert suggest("mn", ["min", "max"]) == "min"
    assert suggest("zzz", ["orders", "customers"]) is None


def test_candidates_are_compared_as_text() -> None:
    assert suggest("dayly", ("hourly", "daily")) == "daily"
    assert suggest("10", [100, 2]) == "100"
