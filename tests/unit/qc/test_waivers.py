"""The waiver's rules: a reason long enough to explain, and a lapse on any back step recorded after it."""

from __future__ import annotations

import pytest

from functions.qc import waivers
from shared.errors import ValidationFailed

pytestmark = pytest.mark.unit


def test_the_reason_needs_twenty_characters_without_its_blanks() -> None:
    assert waivers.checked_reason("  Covered by the group audit team  ") == "Covered by the group audit team"
    with pytest.raises(ValidationFailed) as refused:
        waivers.checked_reason("   too short, sorry       ")
    assert refused.value.extra["errors"][0]["loc"] == ["body", "reason"]


def test_a_back_step_after_the_grant_lapses_the_waiver_and_forward_steps_do_not() -> None:
    changes = [(3, "draft", "planning"), (5, "planning", "fieldwork"), (9, "fieldwork", "review")]
    assert waivers.last_back_step(changes) == 0
    assert not waivers.lapsed(10, waivers.last_back_step(changes))
    changes.append((12, "review", "fieldwork"))
    assert waivers.last_back_step(changes) == 12
    assert waivers.lapsed(10, 12), "granted in review, the engagement went back to fieldwork"
    assert not waivers.lapsed(13, 12), "granted after the back step"
