"""A wrong password counts the same wherever it is typed: at sign-in, or when a partner re-enters it to sign.

Shared because identity (sign-in) and reporting (the partner's signature) both check passwords, and a
guess at either must cost the same: it is counted on the user's row and in the audit log, and against
the e-mail's progressive delay (`ACCOUNT`, docs/security.md), which answers 429 at both places once
it runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import update

from shared import audit_log, rate_limit
from shared.db.models import User
from shared.db.uow import UnitOfWork

ACCOUNT = rate_limit.Backoff(
    scope="sign_in_account", free=5, base_seconds=1, cap_seconds=900, forget_after_seconds=86400
)
DETAIL = "Too many failed sign-ins; try again in {wait}, or reset the password by e-mail"


def record_failure(open_uow: Callable[[], UnitOfWork], *, firm_id: uuid.UUID, user_id: uuid.UUID) -> int:
    """Count the failure on the user's row (consecutive, for the audit trail) and audit it; the count now."""
    with open_uow() as uow:
        uow.switch_firm(firm_id)
        failed = uow.session.scalar(
            update(User)
            .where(User.id == user_id)
            .values(failed_login_count=User.failed_login_count + 1)
            .returning(User.failed_login_count)
        )
        data = {"failed_count": failed}
        audit_log.append(uow, "auth.login_failed", target_type="user", target_id=user_id, data=data)
        uow.commit()
    return int(failed or 0)


def record_unknown_failure(open_uow: Callable[[], UnitOfWork]) -> None:
    """A failed sign-in for an e-mail without an account, on the platform's chain: a sprayer shows in the
    audit trail, and the attempt does the same work as a wrong password for a real account (one short
    transaction ending in an audit record), so the two take as long. The e-mail typed is not kept: it may
    be a password typed into the wrong field."""
    with open_uow() as uow:
        audit_log.append(uow, "auth.login_failed", target_type="user", data={"account": "unknown"})
        uow.commit()
