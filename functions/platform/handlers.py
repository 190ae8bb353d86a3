"""Background triggers: the outbox relay (Azure), the audit-log anchors and the jobs queue."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.platform import bp
from shared import audit_log
from shared.bus.consumer import SERVICE_BUS_CONNECTION, decode
from shared.bus.outbox import relay_pending
from shared.bus.transport import get_transport
from shared.db.uow import UnitOfWork
from shared.jobs import run_job
from shared.settings import get_settings

log = logging.getLogger(__name__)


@bp.function_name("outbox_relay")
@bp.timer_trigger(arg_name="timer", schedule="*/5 * * * * *", run_on_startup=False)
def outbox_relay(timer: func.TimerRequest) -> None:
    """Publish committed outbox rows to Service Bus; locally the local host relays instead."""
    transport = get_transport()
    if transport is None:
        return
    settings = get_settings()
    with UnitOfWork(system=True) as uow:
        published = relay_pending(uow.session, transport, destinations=(settings.events_topic, settings.jobs_queue))
        uow.commit()
    if published:
        log.info("outbox relay published %d message(s)", published)


@bp.function_name("audit_anchor")
@bp.timer_trigger(arg_name="timer", schedule="*/5 * * * * *", run_on_startup=False)
def audit_anchor(timer: func.TimerRequest) -> None:
    """Copy the audit chain heads that commits asked for to write-once storage, within seconds of the
    commit, so records cut off a chain's end no longer verify; one blob per chain per run at most."""
    with UnitOfWork(system=True) as uow:
        written = audit_log.anchor_requested(uow)
    if written:
        log.info("audit anchors written for %d chain head(s)", written)


@bp.function_name("jobs_worker")
@bp.service_bus_queue_trigger(arg_name="msg", queue_name=get_settings().jobs_queue, connection=SERVICE_BUS_CONNECTION)
def jobs_worker(msg: func.ServiceBusMessage) -> None:
    """Run the job a command names."""
    run_job(decode(msg), delivery_count=msg.delivery_count or 1)
