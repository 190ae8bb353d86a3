"""The daily reminders: the assignee of each request due within two days, or overdue, gets an e-mail.

At most one a day per request: `last_reminded_at` is set in the same transaction as the send, one
request at a time, so a failure part-way leaves the sent ones marked and the rest for the next run.
Firms are listed in system scope (migration 0020's function) and each is then worked in its own
scope, as the upload sweeps do. Finalized engagements are locked and left alone.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from sqlalchemy import func, select

from functions.client_requests import pbc
from shared import clock
from shared.db.models import User
from shared.db.models_client_requests import ClientRequest
from shared.db.models_engagement import Engagement
from shared.db.uow import UnitOfWork
from shared.email import EmailSender, get_email_sender
from shared.engagement_access import LOCKED_STATUS, record
from shared.settings import get_settings

log = logging.getLogger("aura.client_requests.reminders")


def _body(request: ClientRequest, engagement: Engagement, *, overdue: bool, portal_url: str) -> str:
    when = "was due" if overdue else "is due"
    lines = [
        f'{engagement.name}: the audit team\'s request "{request.title}" {when} on {request.due_date.isoformat()}.',
    ]
    if request.status == pbc.RETURNED and request.return_reason:
        lines.append(f"It was returned to you: {request.return_reason}")
    lines.append(f"Send it through the client portal: {portal_url}/requests")
    return "\n\n".join(lines)


def remind_firm(uow: UnitOfWork, *, today: date, email: EmailSender, portal_url: str) -> int:
    """Send the firm's reminders due today; commits after each. Returns how many were sent."""
    candidates = uow.session.execute(
        select(ClientRequest, Engagement, User)
        .join(Engagement, Engagement.id == ClientRequest.engagement_id)
        .join(User, User.id == ClientRequest.assignee_id)
        .where(
            ClientRequest.status.in_((pbc.OPEN, pbc.RETURNED)),
            ClientRequest.due_date <= today + pbc.REMIND_WITHIN,
            Engagement.status != LOCKED_STATUS,
            User.is_active.is_(True),
        )
        .order_by(ClientRequest.due_date, ClientRequest.id)
        .with_for_update(of=ClientRequest, skip_locked=True)
    ).all()
    sent = 0
    for request, engagement, user in candidates:
        if not pbc.reminder_due(
            due_date=request.due_date, status=request.status, today=today, last_reminded_at=request.last_reminded_at
        ):
            continue
        overdue = pbc.is_overdue(due_date=request.due_date, status=request.status, today=today)
        subject = f"{'Overdue' if overdue else 'Due soon'}: {request.title}"
        email.send(
            to=user.email, subject=subject, body=_body(request, engagement, overdue=overdue, portal_url=portal_url)
        )
        request.last_reminded_at = clock.now()
        record(
            uow,
            "client_request.reminded",
            engagement_id=request.engagement_id,
            target_type="client_request",
            target_id=request.id,
            assignee_id=str(user.id),
            overdue=overdue,
        )
        uow.commit()
        sent += 1
    return sent


def send_reminders(*, email: EmailSender | None = None, portal_url: str | None = None) -> int:
    """Every firm's reminders for today, by the process's clock. One firm's failure does not stop the others;
    the run then fails as a whole so the host reports it."""
    today = clock.now().date()
    email = email or get_email_sender()
    portal_url = portal_url if portal_url is not None else _portal_url()
    with UnitOfWork(system=True) as uow:
        firms: list[uuid.UUID] = list(
            uow.session.scalars(select(func.aura_firms_with_client_requests_due(today + pbc.REMIND_WITHIN)))
        )
    sent, failed = 0, 0
    for firm_id in firms:
        try:
            with UnitOfWork(firm_id=firm_id, system=True) as uow:
                sent += remind_firm(uow, today=today, email=email, portal_url=portal_url)
        except Exception:
            failed += 1
            log.exception("client request reminders failed for firm %s", firm_id)
    if sent:
        log.info("client request reminders: %d sent", sent)
    if failed:
        raise RuntimeError(f"client request reminders failed for {failed} firm(s)")
    return sent


def _portal_url() -> str:
    return get_settings().public_base_url.rstrip("/")
