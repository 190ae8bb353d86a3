"""Roles and what they grant, exactly as docs/audit-rules.md section 1 lists them.

Permissions are named `<area>.<action>`; endpoints declare the one they need, and the HTTP layer
answers 403 when the principal lacks it. Visibility of single engagements (404, never 403) is decided
by the capability, on top of this.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    ENGAGEMENT_READ = "engagement.read"
    ENGAGEMENT_READ_ALL = "engagement.read_all"
    ENGAGEMENT_CREATE = "engagement.create"
    ENGAGEMENT_UPDATE = "engagement.update"
    ENGAGEMENT_FINALIZE = "engagement.finalize"
    CLIENT_MANAGE = "client.manage"
    DATA_UPLOAD = "data.upload"
    ANALYTICS_RUN = "analytics.run"
    WORKPAPER_PREPARE = "workpaper.prepare"
    WORKPAPER_REVIEW = "workpaper.review"
    WORKPAPER_APPROVE = "workpaper.approve"
    # The binder's structure: sections (folders), moves, and deleting nodes that hold work. The manager
    # and partner own the shape of the audit file; preparers add and fill workpapers within it.
    BINDER_STRUCTURE = "binder.structure"
    REVIEW_NOTE_WRITE = "review_note.write"
    # Account mapping: confirming where a client's accounts go (preparers may suggest and set them), and
    # the firm's own standard accounts and rules, which every engagement's suggestions follow.
    MAPPING_CONFIRM = "mapping.confirm"
    MAPPING_RULES = "mapping.rules"
    # The audit program's shape: the firm's procedure library and which procedures an engagement's program
    # holds and answers which risks. Preparers carry the procedures out (workpaper.prepare).
    PROGRAM_MANAGE = "program.manage"
    QC_RUN = "qc.run"
    QC_WAIVE = "qc.waive"
    REPORT_APPROVE = "report.approve"
    REPORT_SIGN = "report.sign"
    USERS_READ = "users.read"
    USERS_MANAGE = "users.manage"
    FIRM_SETTINGS = "firm.settings"
    AUDIT_LOG_READ = "audit_log.read"
    JOBS_READ_ALL = "jobs.read_all"
    CLIENT_PORTAL = "client_portal"
    FIRMS_MANAGE = "firms.manage"


FIRM_ROLES = frozenset({"firm_admin", "partner", "manager", "senior", "staff", "qc_reviewer"})
CLIENT_ROLES = frozenset({"client_admin", "client_user"})
PLATFORM_ROLES = frozenset({"platform_admin"})
ALL_ROLES = FIRM_ROLES | CLIENT_ROLES | PLATFORM_ROLES

_FIRM_WIDE = frozenset(Permission) - {
    Permission.USERS_MANAGE,
    Permission.FIRM_SETTINGS,
    Permission.CLIENT_PORTAL,
    Permission.FIRMS_MANAGE,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "firm_admin": _FIRM_WIDE | {Permission.USERS_MANAGE, Permission.FIRM_SETTINGS},
    "partner": _FIRM_WIDE,
    "manager": _FIRM_WIDE
    - {
        Permission.FIRM_SETTINGS,
        Permission.REPORT_SIGN,
        # Waiving a QC policy is the engagement partner's or the QC reviewer's call (docs/audit-rules.md 11).
        Permission.QC_WAIVE,
        Permission.ENGAGEMENT_FINALIZE,
        Permission.ENGAGEMENT_READ_ALL,
        Permission.AUDIT_LOG_READ,
        Permission.JOBS_READ_ALL,
    },
    "senior": frozenset(
        {
            Permission.ENGAGEMENT_READ,
            Permission.ENGAGEMENT_CREATE,
            Permission.ENGAGEMENT_UPDATE,
            Permission.DATA_UPLOAD,
            Permission.ANALYTICS_RUN,
            Permission.WORKPAPER_PREPARE,
            Permission.WORKPAPER_REVIEW,
            Permission.REVIEW_NOTE_WRITE,
            Permission.MAPPING_CONFIRM,
            Permission.USERS_READ,
        }
    ),
    "staff": frozenset(
        {
            Permission.ENGAGEMENT_READ,
            Permission.WORKPAPER_PREPARE,
            Permission.DATA_UPLOAD,
            Permission.USERS_READ,
        }
    ),
    "qc_reviewer": frozenset(
        {
            Permission.ENGAGEMENT_READ,
            Permission.ENGAGEMENT_READ_ALL,
            Permission.QC_RUN,
            Permission.QC_WAIVE,
            Permission.AUDIT_LOG_READ,
            Permission.USERS_READ,
            Permission.JOBS_READ_ALL,
        }
    ),
    "client_admin": frozenset({Permission.CLIENT_PORTAL, Permission.DATA_UPLOAD}),
    "client_user": frozenset({Permission.CLIENT_PORTAL, Permission.DATA_UPLOAD}),
    "platform_admin": frozenset({Permission.FIRMS_MANAGE}),
}


def permissions_for(roles: frozenset[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def validate_roles(roles: list[str]) -> list[str]:
    """Roles of one user: known names, firm roles and client roles never mixed, no platform role."""
    unknown = sorted(set(roles) - FIRM_ROLES - CLIENT_ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(unknown)}")
    if not roles:
        raise ValueError("at least one role is required")
    if set(roles) & CLIENT_ROLES and set(roles) & FIRM_ROLES:
        raise ValueError("client roles and firm roles cannot be combined")
    return sorted(set(roles))
