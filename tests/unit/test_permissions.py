"""Role grants as docs/audit-rules.md section 1 states them, and which role sets a user may hold."""

from __future__ import annotations

import uuid

import pytest

from shared.auth.permissions import (
    ALL_ROLES,
    CLIENT_ROLES,
    FIRM_ROLES,
    ROLE_PERMISSIONS,
    Permission,
    permissions_for,
    validate_roles,
)
from shared.auth.principal import Principal

pytestmark = pytest.mark.unit

P = Permission
READ = {P.ENGAGEMENT_READ, P.USERS_READ}


def grants(*roles: str) -> frozenset[Permission]:
    return permissions_for(frozenset(roles))


# What a firm's audit work consists of: everything but administration, the client portal and firms.
FIRM_WORK = frozenset(Permission) - {P.USERS_MANAGE, P.FIRM_SETTINGS, P.CLIENT_PORTAL, P.FIRMS_MANAGE}


def test_every_role_is_defined() -> None:
    assert set(ROLE_PERMISSIONS) == set(ALL_ROLES)
    assert {"firm_admin", "partner", "manager", "senior", "staff", "qc_reviewer"} == FIRM_ROLES
    assert {"client_admin", "client_user"} == CLIENT_ROLES


def test_firm_admin_has_everything_in_the_firm_plus_users_and_settings() -> None:
    admin = grants("firm_admin")
    assert {P.USERS_MANAGE, P.FIRM_SETTINGS} <= admin
    assert admin >= FIRM_WORK
    assert P.FIRMS_MANAGE not in admin
    assert P.CLIENT_PORTAL not in admin


def test_partner_has_what_firm_admin_has_except_users_and_settings() -> None:
    assert grants("partner") == grants("firm_admin") - {P.USERS_MANAGE, P.FIRM_SETTINGS}
    assert {P.REPORT_SIGN, P.ENGAGEMENT_FINALIZE, P.ENGAGEMENT_READ_ALL, P.QC_WAIVE} <= grants("partner")


def test_manager_lacks_settings_signing_and_finalizing() -> None:
    manager = grants("manager")
    for withheld in (P.FIRM_SETTINGS, P.REPORT_SIGN, P.ENGAGEMENT_FINALIZE, P.USERS_MANAGE, P.QC_WAIVE):
        assert withheld not in manager, withheld
    for granted in (
        P.ENGAGEMENT_CREATE,
        P.ENGAGEMENT_UPDATE,
        P.CLIENT_MANAGE,
        P.DATA_UPLOAD,
        P.ANALYTICS_RUN,
        P.WORKPAPER_PREPARE,
        P.WORKPAPER_REVIEW,
        P.WORKPAPER_APPROVE,
        P.REVIEW_NOTE_WRITE,
        P.QC_RUN,
    ):
        assert granted in manager, granted
    # docs/audit-rules.md section 1: only firm_admin, partner and qc_reviewer see every engagement of the firm.
    assert P.ENGAGEMENT_READ_ALL not in manager
    assert manager < grants("partner")


def test_senior_has_exactly_the_preparer_and_reviewer_grants() -> None:
    assert grants("senior") == {
        P.ENGAGEMENT_CREATE,
        P.ENGAGEMENT_UPDATE,
        P.ENGAGEMENT_READ,
        P.DATA_UPLOAD,
        P.ANALYTICS_RUN,
        P.WORKPAPER_PREPARE,
        P.WORKPAPER_REVIEW,
        P.REVIEW_NOTE_WRITE,
        P.MAPPING_CONFIRM,
        P.USERS_READ,
    }


def test_only_managers_and_above_shape_the_audit_program() -> None:
    for role in ("firm_admin", "partner", "manager"):
        assert P.PROGRAM_MANAGE in grants(role), role
    for role in ALL_ROLES - {"firm_admin", "partner", "manager"}:
        assert P.PROGRAM_MANAGE not in grants(role), role


def test_staff_prepares_uploads_and_reads() -> None:
    assert grants("staff") == {P.WORKPAPER_PREPARE, P.DATA_UPLOAD, *READ}


def test_qc_reviewer_reads_all_and_runs_and_waives_qc() -> None:
    qc = grants("qc_reviewer")
    assert {P.ENGAGEMENT_READ, P.ENGAGEMENT_READ_ALL, P.QC_RUN, P.QC_WAIVE} <= qc
    for withheld in (
        P.ENGAGEMENT_UPDATE,
        P.ENGAGEMENT_CREATE,
        P.ENGAGEMENT_FINALIZE,
        P.WORKPAPER_PREPARE,
        P.DATA_UPLOAD,
        P.REPORT_SIGN,
        P.USERS_MANAGE,
    ):
        assert withheld not in qc, withheld


@pytest.mark.parametrize("role", sorted(CLIENT_ROLES))
def test_client_roles_only_use_the_portal_and_upload(role: str) -> None:
    assert grants(role) == {P.CLIENT_PORTAL, P.DATA_UPLOAD}


def test_platform_admin_manages_firms_and_sees_nothing_of_one() -> None:
    assert grants("platform_admin") == {P.FIRMS_MANAGE}
    for role in FIRM_ROLES | CLIENT_ROLES:
        assert P.FIRMS_MANAGE not in grants(role), role


def test_only_firm_admin_manages_users_and_settings() -> None:
    for role in ALL_ROLES - {"firm_admin"}:
        assert not grants(role) & {P.USERS_MANAGE, P.FIRM_SETTINGS}, role


def test_grants_of_several_roles_add_up_and_unknown_roles_grant_nothing() -> None:
    assert grants("staff", "qc_reviewer") == grants("staff") | grants("qc_reviewer")
    assert grants("nobody") == frozenset()
    assert grants() == frozenset()


def test_principal_can_what_its_roles_grant() -> None:
    staff = Principal.of(user_id=uuid.uuid4(), firm_id=uuid.uuid4(), roles=["staff"])
    assert staff.can(P.WORKPAPER_PREPARE)
    assert not staff.can(P.WORKPAPER_REVIEW)
    assert not staff.can(P.JOBS_READ_ALL)


# --- validate_roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["staff"], ["staff"]),
        (["senior", "qc_reviewer"], ["qc_reviewer", "senior"]),
        (["partner", "partner"], ["partner"]),
        (["client_user", "client_admin"], ["client_admin", "client_user"]),
    ],
)
def test_validate_roles_accepts_and_normalizes(roles: list[str], expected: list[str]) -> None:
    assert validate_roles(roles) == expected


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        (["auditor"], "unknown role"),
        (["staff", "Staff"], "unknown role"),
        ([], "at least one role"),
        (["client_user", "staff"], "cannot be combined"),
        (["client_admin", "firm_admin"], "cannot be combined"),
        (["platform_admin"], "platform_admin"),
        (["firm_admin", "platform_admin"], "platform_admin"),
    ],
)
def test_validate_roles_rejects(roles: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_roles(roles)
