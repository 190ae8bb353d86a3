"""The sign-off rules as plain values: order, once, segregation, withdrawal and clearing on change."""

from __future__ import annotations

import uuid

import pytest

from functions.engagement import signoff_rules as rules
from shared.auth.permissions import ROLE_PERMISSIONS, Permission

pytestmark = pytest.mark.unit

PREPARER, REVIEWER, APPROVER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def code(refusal: rules.Refusal | None) -> str | None:
    return refusal.code if refusal else None


def test_steps_go_in_order() -> None:
    assert code(rules.refusal_to_sign("prepare", PREPARER, {})) is None
    assert code(rules.refusal_to_sign("review", REVIEWER, {})) == "signoff_out_of_order"
    assert code(rules.refusal_to_sign("approve", APPROVER, {"prepare": PREPARER})) == "signoff_out_of_order"
    assert code(rules.refusal_to_sign("review", REVIEWER, {"prepare": PREPARER})) is None
    assert code(rules.refusal_to_sign("approve", APPROVER, {"prepare": PREPARER, "review": REVIEWER})) is None


def test_a_step_is_signed_once() -> None:
    signed = {"prepare": PREPARER, "review": REVIEWER}
    assert code(rules.refusal_to_sign("prepare", PREPARER, signed)) == "already_signed"
    assert code(rules.refusal_to_sign("review", APPROVER, signed)) == "already_signed"


def test_the_preparer_neither_reviews_nor_approves_but_the_reviewer_may_approve() -> None:
    assert code(rules.refusal_to_sign("review", PREPARER, {"prepare": PREPARER})) == "same_signer"
    signed = {"prepare": PREPARER, "review": REVIEWER}
    assert code(rules.refusal_to_sign("approve", PREPARER, signed)) == "same_signer"
    assert code(rules.refusal_to_sign("approve", REVIEWER, signed)) is None


def test_only_the_signer_withdraws_and_later_steps_fall_with_it() -> None:
    signed = {"prepare": PREPARER, "review": REVIEWER, "approve": APPROVER}
    assert code(rules.refusal_to_withdraw("review", REVIEWER, signed)) is None
    assert code(rules.refusal_to_withdraw("review", APPROVER, signed)) == "not_your_signoff"
    assert code(rules.refusal_to_withdraw("review", REVIEWER, {"prepare": PREPARER})) == "signoff_not_found"
    assert rules.cleared_by_withdrawal("prepare", signed) == ("review", "approve")
    assert rules.cleared_by_withdrawal("review", signed) == ("approve",)
    assert rules.cleared_by_withdrawal("approve", signed) == ()
    assert rules.cleared_by_withdrawal("prepare", {"prepare": PREPARER}) == ()


@pytest.mark.parametrize(
    ("editor", "signed", "cleared"),
    [
        (PREPARER, {"prepare": PREPARER, "review": REVIEWER, "approve": APPROVER}, ("review", "approve")),
        (REVIEWER, {"prepare": PREPARER, "review": REVIEWER, "approve": APPROVER}, ("prepare", "review", "approve")),
        (PREPARER, {"prepare": PREPARER}, ()),
        (REVIEWER, {"prepare": PREPARER}, ("prepare",)),
        (PREPARER, {}, ()),
    ],
)
def test_a_new_version_clears_review_and_approval_and_prepare_unless_the_preparer_changed_it(
    editor: uuid.UUID, signed: dict[str, uuid.UUID], cleared: tuple[str, ...]
) -> None:
    assert rules.cleared_by_change(editor, signed) == cleared


def test_the_reason_names_version_editor_and_why() -> None:
    assert (
        rules.change_reason(4, "ann@example.com", "tied out")
        == "content changed in version 4 by ann@example.com: tied out"
    )
    assert rules.change_reason(2, "bob@example.com", None) == "content changed in version 2 by bob@example.com"


def test_step_permissions_follow_spec_section_1() -> None:
    def may(role: str, step: str) -> bool:
        return rules.PERMISSION_FOR_STEP[step] in ROLE_PERMISSIONS[role]

    assert [may("staff", step) for step in rules.STEPS] == [True, False, False]
    assert [may("senior", step) for step in rules.STEPS] == [True, True, False]
    assert [may("manager", step) for step in rules.STEPS] == [True, True, True]
    assert [may("partner", step) for step in rules.STEPS] == [True, True, True]
    assert not any(may("qc_reviewer", step) for step in rules.STEPS)
    assert rules.PERMISSION_FOR_STEP["approve"] is Permission.WORKPAPER_APPROVE
    assert sorted(rules.SIGNABLE_KINDS) == ["workpaper"]
