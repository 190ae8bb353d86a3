"""Second requests: a positive confirmation sent N days ago (AURA_CONFIRMATION_SECOND_REQUEST_DAYS, 14 by
default) with no reply becomes second_request_sent, its letter turns into the second request, and its
owner gets an e-mail saying to send it.

At most once per request: only a request still `sent` qualifies and the run moves it on, in its own
transaction, committed before the e-mail goes, one request at a time: a failure part-way leaves the done
ones done and the rest for the next run, and running twice sends nothing more. Firms are listed in system scope
(migration 0023's function) and each is worked in its own scope, as client requests' reminders do.
Finalized engagements are locked and left alone.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from functions.fieldwork import confirmation_rules as rules
from shared import clock
from shared.db.models import User
from shared.db.models_confirmations import Confirmation
from shared.db.models_engagement import Engagement
from shared.db.uow import UnitOfWork
from shared.email import EmailSender, get_email_sender
from shared.engagement_access import LOCKED_STATUS, record
from shared.settings import get_settings

log = logging.getLogger("aura.fieldwork.confirmation_reminders")


def _body(row: Confirmation, engagement: Engagement, *, portal_url: str) -> str:
    sent = row.sent_date.isoformat() if row.sent_date else "earlier"
    return "\n\n".join(
        [
            f"{engagement.name}: the {row.kind} confirmation sent to {row.party_name} on {sent} has no reply yet.",
            "Its letter is now the second request: download it from the confirmation log, send it, and follow up "
            "by telephone or e-mail. Without a reply, alternative procedures are needed before it is closed.",
            f"{portal_url}/engagements/{engagement.id}/confirmations",
        ]
    )


def remind_firm(uow: UnitOfWork, *, today: date, after_days: int, email: EmailSender, portal_url: str) -> int:
    """Move the firm's unanswered positive requests to their second request and tell each owner; commits after each."""
    candidates = uow.session.execute(
        select(Confirmation, Engagement, User)
        .join(Engagement, Engagement.id == Confirmation.engagement_id)
        .join(User, User.id == Confirmation.owner_id)
        .where(
            Confirmation.form == "positive",
            Confirmation.status == rules.SENT,
            Confirmation.sent_date <= today - timedelta(days=after_days),
            Engagement.status != LOCKED_STATUS,
        )
        .order_by(Confirmation.sent_date, Confirmation.id)
        .with_for_update(of=Confirmation, skip_locked=True)
    ).all()
    sent = 0
    for row, engagement, owner in candidates:
        if not rules.second_request_due(
            form=row.form, status=row.status, sent_date=row.sent_date, today=today, after_days=after_days
        ):
            continue
        row.status = rules.SECOND_REQUEST_SENT
        row.second_request_at = clock.now()
        record(
            uow,
            "confirmation.second_request_sent",
            engagement_id=row.engagement_id,
            target_type="confirmation",
            target_id=row.id,
            owner_id=str(owner.id),
            after_days=after_days,
        )
        uow.commit()  # before the e-mail: a failed send must not lead to a second one next run
        if owner.is_active:
            email.send(
                to=owner.email,
                subject=f"Second request due: {row.party_name}",
                body=_body(row, engagement, portal_url=portal_url),
            )
        sent += 1
    return sent


def send_second_requests(
    *, email: EmailSender | None = None, portal_url: str | None = None, after_days: int | None = None
) -> int:
    """Every firm's second requests due today, by the process's clock. One firm's failure does not stop the
    others; the run then fails as a whole so the host reports it."""
    settings = get_settings()
    today = clock.now().date()
    days = after_days if after_days is not None else settings.confirmation_second_request_days
    email = email or get_email_sender()
    portal_url = portal_url if portal_url is not None else settings.public_base_url.rstrip("/")
    with UnitOfWork(system=True) as uow:
        firms: list[uuid.UUID] = list(
            uow.session.scalars(select(func.aura_firms_with_confirmations_unanswered(today - timedelta(days=days))))
        )
    moved, failed = 0, 0
    for firm_id in firms:
        try:
            with UnitOfWork(firm_id=firm_id, system=True) as uow:
                moved += remind_firm(uow, today=today, after_days=days, email=email, portal_url=portal_url)
        except Exception:
            failed += 1
            log.exception("confirmation second requests failed for firm %s", firm_id)
    if moved:
        log.info("confirmation second requests: %d", moved)
    if failed:
        raise RuntimeError(f"confirmation second requests failed for {failed} firm(s)")
    return moved
