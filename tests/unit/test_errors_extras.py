"""A problem's own members (status, title, ...) cannot be overwritten by an error's extras."""

from __future__ import annotations

import pytest

from shared.errors import Conflict

pytestmark = pytest.mark.unit


def test_an_extra_named_like_a_problem_member_is_refused_where_it_is_raised() -> None:
    with pytest.raises(ValueError, match="status"):
        Conflict("Only submitted data waits for a decision", code="not_submitted", status="failed")


def test_other_extras_are_kept() -> None:
    error = Conflict("Stale", code="version_conflict", current_version=3)
    assert error.extra == {"current_version": 3} and error.status == 409
