"""GET /api/events.json, through the real trigger: it lists every message, and the messages real
requests write to the outbox fit the schemas it publishes and read back into their models."""

from __future__ import annotations

import uuid
from typing import Any

import jsonschema_rs  # schemathesis's JSON Schema validator
import pytest
from sqlalchemy import select

from shared.bus.envelope import Envelope
from shared.bus.events import MODELS, model_for
from shared.db.models import OutboxMessage
from shared.db.uow import UnitOfWork
from shared.settings import get_settings
from tests.engagement_support import workspace
from tests.ingestion_support import upload
from tests.support import request

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

TRIAL_BALANCE = b"account_number,account_name,debit,credit\n1000,Cash,100.00,0\n4000,Revenue,0,100.00\n"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    reply = request("GET", "events.json")  # no credentials, like the OpenAPI document
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def test_the_document_lists_every_event_and_job_command(document: dict[str, Any]) -> None:
    settings = get_settings()
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["version"] == settings.version
    assert document["channels"]["events"]["address"] == settings.events_topic
    assert document["channels"]["jobs"]["address"] == settings.jobs_queue
    listed = {message["name"] for message in document["components"]["messages"].values()}
    assert listed == {model.type for model in MODELS}
    assert {"dataset.ingested", "analytics.completed", "engagement.finalized", "ingest_dataset"} <= listed


def test_the_openapi_document_points_to_it() -> None:
    operations = request("GET", "openapi.json").json()["paths"]["/api/events.json"]
    assert operations["get"]["operationId"] == "events_document"
    assert operations["get"]["security"] == []


def test_what_real_requests_write_to_the_outbox_fits_the_published_schemas(document: dict[str, Any]) -> None:
    ws = workspace()  # firm.created, user.created, engagement.created, engagement.member_added
    ws.person("senior", "senior", team_role="senior")
    ws.finalize()  # engagement.status_changed four times, engagement.finalized
    with UnitOfWork(system=True) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.firm_id == ws.firm_id).order_by(OutboxMessage.seq)
        ).all()
        bodies = [(row.message_type, row.body) for row in rows]
    other = workspace()
    assert upload(other, other.admin, "trial_balance", TRIAL_BALANCE).status == 202  # an ingest_dataset command
    with UnitOfWork(system=True) as uow:
        bodies += [
            (row.message_type, row.body)
            for row in uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.firm_id == other.firm_id, OutboxMessage.kind == "command")
            )
        ]

    written = [message_type for message_type, _ in bodies]
    assert {"firm.created", "user.created", "engagement.created", "engagement.member_added"} <= set(written)
    assert written.count("engagement.status_changed") == 4
    assert {"engagement.finalized", "ingest_dataset"} <= set(written)

    by_type = {message["name"]: message for message in document["components"]["messages"].values()}
    for message_type, body in bodies:
        schema = {**by_type[message_type]["payload"], "components": document["components"]}
        validator = jsonschema_rs.validator_for(schema, validate_formats=True)
        assert validator.is_valid(body), (message_type, [error.message for error in validator.iter_errors(body)])
        envelope = Envelope.model_validate(body)
        model = model_for(message_type)
        assert envelope.payload_as(model).to_payload() == body["payload"], message_type
        assert envelope.firm_id in (ws.firm_id, other.firm_id)
    finalized = next(body for message_type, body in bodies if message_type == "engagement.finalized")
    assert finalized["payload"] == {"engagement_id": ws.engagement_id, "client_id": ws.client_id}
    assert uuid.UUID(finalized["actor"]) == uuid.UUID(ws.admin.user_id)
