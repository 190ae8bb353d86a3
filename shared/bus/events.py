"""Every event and job command the capabilities exchange, as pydantic models: one shape for both ends.

A capability tells another what happened only through these: the producer builds the model and
hands it to its unit of work (`uow.publish(...)`, `uow.send(...)`), the consumer reads the
envelope's payload back into the same model (`envelope.payload_as(...)`), so a renamed or retyped
field fails in a test instead of in a dict look-up on the other side of the bus.

Messages carry ids, never objects: the consumer reloads what it needs. The firm travels on the
envelope (every message is firm-scoped and its consumer's unit of work opens in that firm), so a
payload names a firm only when the firm is the subject (`firm.created`). Events are past tense
(`dataset.ingested`); job commands are imperative and name the job row, whose kind is the type.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, create_model


class Message(BaseModel):
    """A payload on the bus. Unknown fields are ignored so a producer may add one before its
    consumers are redeployed (a tolerant reader); a missing or mistyped field is refused."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    type: ClassVar[str]

    def to_payload(self) -> dict[str, Any]:
        """The JSON object the envelope carries (field aliases, such as `from`, as on the wire)."""
        return self.model_dump(mode="json", by_alias=True)


class Event(Message):
    """Something that happened, announced on the events topic to whoever subscribes."""


class Command(Message):
    """Something one handler is asked to do, sent to the jobs queue."""


class JobCommand(Command):
    """Run the job row named by `job_id`; the job's kind is the command's type."""

    job_id: uuid.UUID


# --- identity --------------------------------------------------------------------------------------


class FirmCreated(Event):
    """A firm signed up, with its first administrator."""

    type = "firm.created"
    firm_id: uuid.UUID


class UserCreated(Event):
    """A person joined the firm (invited, or added with a password)."""

    type = "user.created"
    user_id: uuid.UUID
    roles: list[str]


class UserRolesChanged(Event):
    """A person's roles were replaced; their sessions were revoked."""

    type = "user.roles_changed"
    user_id: uuid.UUID
    roles: list[str]


class UserDeactivated(Event):
    """A person can no longer sign in; their sessions were revoked."""

    type = "user.deactivated"
    user_id: uuid.UUID


class UserReactivated(Event):
    """A deactivated person may sign in again."""

    type = "user.reactivated"
    user_id: uuid.UUID


# --- engagement ------------------------------------------------------------------------------------


class EngagementCreated(Event):
    """An engagement was opened for a client, with its standard binder sections."""

    type = "engagement.created"
    engagement_id: uuid.UUID
    client_id: uuid.UUID
    status: str


class EngagementUpdated(Event):
    """An engagement's name, type, framework or period changed."""

    type = "engagement.updated"
    engagement_id: uuid.UUID
    fields: list[str] = Field(description="The names of the changed fields, sorted")


class EngagementStatusChanged(Event):
    """An engagement moved along its lifecycle (forward, or back with a reason)."""

    type = "engagement.status_changed"
    engagement_id: uuid.UUID
    from_status: str = Field(alias="from")
    to_status: str = Field(alias="to")
    reason: str | None = Field(description="Why, when the engagement stepped back")


class EngagementFinalized(Event):
    """An engagement passed its gates and was finalized: its records are now locked."""

    type = "engagement.finalized"
    engagement_id: uuid.UUID
    client_id: uuid.UUID


class EngagementMemberAdded(Event):
    """Someone joined an engagement's team."""

    type = "engagement.member_added"
    engagement_id: uuid.UUID
    user_id: uuid.UUID
    role: str


class EngagementMemberRemoved(Event):
    """Someone left an engagement's team."""

    type = "engagement.member_removed"
    engagement_id: uuid.UUID
    user_id: uuid.UUID


class WorkpaperSignedOff(Event):
    """A binder node was signed at one step (prepare, review, ...)."""

    type = "workpaper.signed_off"
    engagement_id: uuid.UUID
    node_id: uuid.UUID
    signoff_id: uuid.UUID
    step: str
    user_id: uuid.UUID


class ReviewNoteCreated(Event):
    """A review note was raised on a binder node."""

    type = "review_note.created"
    engagement_id: uuid.UUID
    review_note_id: uuid.UUID
    node_id: uuid.UUID


class ReviewNoteCleared(Event):
    """A review note was cleared: it no longer holds up finalization."""

    type = "review_note.cleared"
    engagement_id: uuid.UUID
    review_note_id: uuid.UUID
    node_id: uuid.UUID


# --- planning --------------------------------------------------------------------------------------


class MaterialityChanged(Event):
    """A new version of the engagement's materiality was determined."""

    type = "materiality.changed"
    engagement_id: uuid.UUID
    materiality_id: uuid.UUID
    version: int


# --- ingestion -------------------------------------------------------------------------------------


class IngestDataset(JobCommand):
    """Load the uploaded file of the job's dataset into the engagement's tables."""

    type = "ingest_dataset"


class DatasetIngested(Event):
    """A dataset (general ledger, trial balance, chart of accounts) loaded; analytics tests a general ledger."""

    type = "dataset.ingested"
    engagement_id: uuid.UUID
    dataset_id: uuid.UUID
    kind: str = Field(description="general_ledger, trial_balance or chart_of_accounts")
    version: int
    summary: dict[str, Any] = Field(description="The load's totals and counts (no per-period table)")


# --- analytics -------------------------------------------------------------------------------------


class RunJeTests(JobCommand):
    """Run the journal-entry tests of the job's run."""

    type = "je_tests_run"


class AnalyticsCompleted(Event):
    """A journal-entry test run finished, with its flagged-line counts."""

    type = "analytics.completed"
    engagement_id: uuid.UUID
    run_id: uuid.UUID
    dataset_id: uuid.UUID
    counts: dict[str, int] = Field(description="Flagged lines by test code, for the tests that ran")


# --- mapping ---------------------------------------------------------------------------------------


class SuggestMappings(JobCommand):
    """Suggest a standard account for every account of the job's engagement."""

    type = "mapping_suggest"


class AccountsMapped(Event):
    """A reviewer confirmed or set the mapping of accounts; the firm's classifier learns from them."""

    type = "accounts.mapped"
    engagement_id: uuid.UUID
    accounts: int = Field(description="How many accounts were confirmed or set")


# --- the registry ----------------------------------------------------------------------------------

MODELS: tuple[type[Message], ...] = (
    FirmCreated,
    UserCreated,
    UserRolesChanged,
    UserDeactivated,
    UserReactivated,
    EngagementCreated,
    EngagementUpdated,
    EngagementStatusChanged,
    EngagementFinalized,
    EngagementMemberAdded,
    EngagementMemberRemoved,
    WorkpaperSignedOff,
    ReviewNoteCreated,
    ReviewNoteCleared,
    MaterialityChanged,
    IngestDataset,
    DatasetIngested,
    RunJeTests,
    AnalyticsCompleted,
    SuggestMappings,
    AccountsMapped,
)
REGISTRY: dict[str, type[Message]] = {model.type: model for model in MODELS}


def model_for(message_type: str) -> type[Message]:
    """The model of a message type; a type nobody modelled is a programming error, named as such."""
    try:
        return REGISTRY[message_type]
    except KeyError:
        raise LookupError(f"no model for message type {message_type!r} in shared.bus.events") from None


def job_command(kind: str, job_id: uuid.UUID) -> JobCommand:
    """The command that starts a job of `kind`.

    Every job command has the same payload, so the jobs machinery also runs kinds without a model
    of their own (its tests' probes) under a plain one; tests/unit/test_events.py keeps every kind
    the code base registers modelled."""
    model = REGISTRY.get(kind)
    if model is not None and issubclass(model, JobCommand):
        return model(job_id=job_id)
    return _unmodelled_job_command(kind)(job_id=job_id)


@functools.cache
def _unmodelled_job_command(kind: str) -> type[JobCommand]:
    model = create_model("UnmodelledJobCommand", __base__=JobCommand)
    model.type = kind
    return model
