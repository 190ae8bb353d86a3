"""The typed messages of shared.bus.events: the registry stays complete, payloads keep their wire
format, a payload that does not fit its model is refused by field, and the catalogue tells the truth.

The code-reading tests parse every module under functions/ and shared/ (the bus itself aside): a
capability that went back to `uow.add_event("x", {...})` or to `envelope.payload[...]` fails here.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema_rs  # schemathesis's JSON Schema validator
import pytest

from shared.bus.catalogue import build_catalogue
from shared.bus.envelope import Envelope, MessageRejected
from shared.bus.events import (
    MODELS,
    REGISTRY,
    AccountsMapped,
    AnalyticsCompleted,
    Command,
    DatasetIngested,
    EngagementCreated,
    EngagementFinalized,
    EngagementMemberAdded,
    EngagementMemberRemoved,
    EngagementStatusChanged,
    EngagementUpdated,
    Event,
    FirmCreated,
    IngestDataset,
    JobCommand,
    MaterialityChanged,
    Message,
    ReviewNoteCleared,
    ReviewNoteCreated,
    RunJeTests,
    SuggestMappings,
    UserCreated,
    UserDeactivated,
    UserReactivated,
    UserRolesChanged,
    WorkpaperSignedOff,
    job_command,
    model_for,
)
from shared.db.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
# The bus and the unit of work are the machinery: they alone handle raw types and payload dicts.
MACHINERY = {ROOT / "shared" / "db" / "uow.py", *(ROOT / "shared" / "bus").glob("*.py")}
MESSAGE_CLASSES = {"Message", "Event", "Command", "JobCommand", *(model.__name__ for model in MODELS)}

ENGAGEMENT, NODE, USER, DATASET = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
EXAMPLES: list[Message] = [
    FirmCreated(firm_id=uuid.uuid4()),
    UserCreated(user_id=USER, roles=["senior", "staff"]),
    UserRolesChanged(user_id=USER, roles=["manager"]),
    UserDeactivated(user_id=USER),
    UserReactivated(user_id=USER),
    EngagementCreated(engagement_id=ENGAGEMENT, client_id=uuid.uuid4(), status="draft"),
    EngagementUpdated(engagement_id=ENGAGEMENT, fields=["name", "period_end"]),
    EngagementStatusChanged(
        engagement_id=ENGAGEMENT, from_status="review", to_status="fieldwork", reason="Redo cut-off"
    ),
    EngagementFinalized(engagement_id=ENGAGEMENT, client_id=uuid.uuid4()),
    EngagementMemberAdded(engagement_id=ENGAGEMENT, user_id=USER, role="senior"),
    EngagementMemberRemoved(engagement_id=ENGAGEMENT, user_id=USER),
    WorkpaperSignedOff(engagement_id=ENGAGEMENT, node_id=NODE, signoff_id=uuid.uuid4(), step="prepare", user_id=USER),
    ReviewNoteCreated(engagement_id=ENGAGEMENT, review_note_id=uuid.uuid4(), node_id=NODE),
    ReviewNoteCleared(engagement_id=ENGAGEMENT, review_note_id=uuid.uuid4(), node_id=NODE),
    MaterialityChanged(engagement_id=ENGAGEMENT, materiality_id=uuid.uuid4(), version=2),
    IngestDataset(job_id=uuid.uuid4()),
    DatasetIngested(
        engagement_id=ENGAGEMENT,
        dataset_id=DATASET,
        kind="general_ledger",
        version=3,
        summary={"lines": 10_000, "journals": 2_500, "debit_total": "1234.50"},
    ),
    RunJeTests(job_id=uuid.uuid4()),
    AnalyticsCompleted(engagement_id=ENGAGEMENT, run_id=uuid.uuid4(), dataset_id=DATASET, counts={"unbalanced": 4}),
    SuggestMappings(job_id=uuid.uuid4()),
    AccountsMapped(engagement_id=ENGAGEMENT, accounts=12),
]


def _modules(*, machinery: bool = False) -> Iterator[tuple[Path, ast.Module]]:
    for folder in ("functions", "shared"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if machinery or path not in MACHINERY:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _called_method(node: ast.AST, *names: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names


def _factories() -> dict[str, str]:
    """Function name -> the message class it returns (`def ingested_event(...) -> DatasetIngested`)."""
    return {
        node.name: ast.unparse(node.returns).rsplit(".", 1)[-1]
        for _, tree in _modules(machinery=True)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.returns is not None
        if ast.unparse(node.returns).rsplit(".", 1)[-1] in MESSAGE_CLASSES
    }


def _built(func: ast.expr) -> list[str]:
    """The class names a call's callee may build: `Model(...)`, `events.Model(...)`, `(A if c else B)(...)`."""
    if isinstance(func, ast.IfExp):
        return _built(func.body) + _built(func.orelse)
    if isinstance(func, ast.Name):
        return [func.id]
    if isinstance(func, ast.Attribute):
        return [func.attr]
    return [ast.unparse(func)]


def _published_models() -> dict[str, list[str]]:
    """Model class name -> the modules that build it as the argument of uow.publish or uow.send
    (directly or through a function that returns it)."""
    factories = _factories()
    found: dict[str, list[str]] = {}
    for path, tree in _modules():
        for call in ast.walk(tree):
            if _called_method(call, "publish", "send") and call.args and isinstance(call.args[0], ast.Call):
                for name in _built(call.args[0].func):
                    found.setdefault(factories.get(name, name), []).append(str(path.relative_to(ROOT)))
    # The jobs machinery sends job_command(kind, ...) for every kind: create_job's kinds are checked below.
    found.pop("JobCommand", None)
    return found


def _job_kinds_created() -> dict[str, list[str]]:
    """Model class name -> the modules that create jobs of its kind (`kind=Model.type`, directly or
    through a module constant such as `JOB_KIND = Model.type`)."""
    found: dict[str, list[str]] = {}
    for path, tree in _modules():
        constants = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "create_job"):
                continue
            for keyword in call.keywords:
                if keyword.arg != "kind":
                    continue
                value = constants.get(getattr(keyword.value, "id", ""), keyword.value)
                assert isinstance(value, ast.Attribute) and value.attr == "type", (
                    f"{path.relative_to(ROOT)}:{call.lineno}: create_job(kind=...) names its kind by a command "
                    f"model's type (kind=IngestDataset.type), not {ast.unparse(keyword.value)}"
                )
                found.setdefault(ast.unparse(value.value), []).append(str(path.relative_to(ROOT)))
    return found


# --- the registry ----------------------------------------------------------------------------------


def test_every_model_has_one_type_and_says_what_it_means() -> None:
    assert len(REGISTRY) == len(MODELS), "two models share a type"
    for model in MODELS:
        assert model_for(model.type) is model
        assert issubclass(model, Event) != issubclass(model, Command), model.__name__
        assert model.__doc__, f"{model.__name__} needs a docstring: the catalogue shows it"
        if issubclass(model, Event):
            assert "." in model.type, f"an event is <subject>.<past tense>: {model.type}"
        else:
            assert issubclass(model, JobCommand) and "." not in model.type, f"a command is imperative: {model.type}"


def test_an_unknown_type_is_named_as_missing_from_the_registry() -> None:
    with pytest.raises(LookupError, match=r"'dataset\.loaded'.*shared\.bus\.events"):
        model_for("dataset.loaded")


def test_capabilities_produce_only_typed_messages() -> None:
    raw = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if _called_method(node, "add_event", "add_command")
    ]
    assert raw == [], "publish a model of shared.bus.events with uow.publish / uow.send instead"


def test_no_capability_reads_a_payload_dict() -> None:
    reads = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "payload"
    ]
    assert reads == [], "read a message with envelope.payload_as(Model) instead"


def test_every_message_the_code_builds_is_registered_and_every_model_is_built_somewhere() -> None:
    published = _published_models()
    by_name = {model.__name__: model for model in MODELS}
    unregistered = sorted(set(published) - set(by_name))
    assert unregistered == [], f"published but not in shared.bus.events.MODELS: {unregistered}"
    events = {model.__name__ for model in MODELS if issubclass(model, Event)}
    assert sorted(events - set(published)) == [], "events nobody publishes: delete them or publish them"

    created = _job_kinds_created()
    commands = {model.__name__ for model in MODELS if issubclass(model, JobCommand)}
    assert sorted(set(created) - commands) == [], "jobs created with a kind that is no command model"
    assert sorted(commands - set(created)) == [], "job commands no capability creates a job for"


def test_every_job_kind_and_subscription_of_the_app_has_a_model() -> None:
    import function_app  # noqa: F401  (registers every capability's job handlers)
    from shared.jobs import JOB_HANDLERS

    # Tests register probes of their own in the same registry: only the capabilities' count here.
    app_kinds = {kind for kind, handler in JOB_HANDLERS.items() if handler.__module__.startswith("functions.")}
    assert app_kinds == {model.type for model in MODELS if issubclass(model, JobCommand)}
    assert all(issubclass(model_for(kind), JobCommand) for kind in app_kinds)

    subscribed: list[str] = []
    for _, tree in _modules():
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "event_consumer":
                events = next(keyword.value for keyword in call.keywords if keyword.arg == "events")
                assert isinstance(events, ast.Set | ast.List | ast.Tuple), ast.unparse(events)
                for item in events.elts:
                    assert isinstance(item, ast.Name), f"subscribe to a model, not {ast.unparse(item)}"
                    subscribed.append(item.id)
    assert "DatasetIngested" in subscribed
    events_by_name = {model.__name__ for model in MODELS if issubclass(model, Event)}
    assert set(subscribed) <= events_by_name


# --- the wire format -------------------------------------------------------------------------------


def test_every_model_has_an_example() -> None:
    assert sorted(type(example).__name__ for example in EXAMPLES) == sorted(model.__name__ for model in MODELS)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: type(example).type)
def test_a_message_survives_the_trip_through_the_unit_of_work_and_the_wire(example: Message) -> None:
    firm, user = uuid.uuid4(), uuid.uuid4()
    uow = UnitOfWork(firm_id=firm, user_id=user, correlation_id="corr-1")  # queues only: never opened
    sent = uow.publish(example) if isinstance(example, Event) else uow.send(example)  # type: ignore[arg-type]
    assert (sent.type, sent.firm_id, sent.actor, sent.correlation_id) == (example.type, firm, str(user), "corr-1")

    received = Envelope.from_json(sent.to_json())
    assert received.payload_as(type(example)) == example


def test_payloads_keep_the_wire_format_consumers_already_read() -> None:
    """The outbox rows written before the models existed must still parse, and new rows must equal them."""
    engagement, client = uuid.uuid4(), uuid.uuid4()
    legacy = {"engagement_id": str(engagement), "from": "draft", "to": "planning", "reason": None}
    parsed = Envelope(type="engagement.status_changed", payload=legacy).payload_as(EngagementStatusChanged)
    assert (parsed.engagement_id, parsed.from_status, parsed.to_status, parsed.reason) == (
        engagement,
        "draft",
        "planning",
        None,
    )
    assert parsed.to_payload() == legacy
    assert EngagementCreated(engagement_id=engagement, client_id=client, status="draft").to_payload() == {
        "engagement_id": str(engagement),
        "client_id": str(client),
        "status": "draft",
    }
    job = uuid.uuid4()
    assert IngestDataset(job_id=job).to_payload() == {"job_id": str(job)}
    summary = {"lines": 3, "debit_total": Decimal("10.50")}
    ingested = DatasetIngested(
        engagement_id=engagement, dataset_id=job, kind="trial_balance", version=1, summary=summary
    )
    assert ingested.to_payload()["summary"] == {"lines": 3, "debit_total": "10.50"}


def test_a_producer_may_add_a_field_before_its_consumers_know_it() -> None:
    payload = {**RunJeTests(job_id=uuid.uuid4()).to_payload(), "priority": "high"}
    assert Envelope(type="je_tests_run", payload=payload).payload_as(RunJeTests).job_id == uuid.UUID(payload["job_id"])


def test_a_job_command_is_its_kinds_model_or_a_plain_one_for_an_unmodelled_kind() -> None:
    job = uuid.uuid4()
    assert job_command("ingest_dataset", job) == IngestDataset(job_id=job)
    probe = job_command("probe.kind", job)
    assert (probe.type, probe.to_payload()) == ("probe.kind", {"job_id": str(job)})
    assert "probe.kind" not in REGISTRY
    assert Envelope(type="probe.kind", payload=probe.to_payload()).payload_as(JobCommand).job_id == job


# --- bad payloads ----------------------------------------------------------------------------------


def _example(model: type[Message]) -> Message:
    return next(example for example in EXAMPLES if type(example) is model)


def _ingested(**changes: Any) -> dict[str, Any]:
    payload = _example(DatasetIngested).to_payload()
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def test_a_malformed_id_is_refused_naming_the_field_and_the_value() -> None:
    envelope = Envelope(type="dataset.ingested", payload=_ingested(dataset_id="not-a-uuid"))
    with pytest.raises(MessageRejected) as refused:
        envelope.payload_as(DatasetIngested)
    text = str(refused.value)
    assert text.startswith(f"dataset.ingested message {envelope.id}: dataset_id: ")
    assert "valid UUID" in text and "(got 'not-a-uuid')" in text
    assert "engagement_id" not in text, "only the offending field is named"


def test_a_missing_field_is_named_without_printing_the_payload() -> None:
    payload = _ingested()
    del payload["version"]
    with pytest.raises(MessageRejected, match=r"^dataset\.ingested message \S+: version: Field required$") as refused:
        Envelope(type="dataset.ingested", payload=payload).payload_as(DatasetIngested)
    assert "1234.50" not in str(refused.value), "the client's figures stay out of the error"


def test_every_bad_field_is_named_with_its_path() -> None:
    payload = AnalyticsCompleted(
        engagement_id=ENGAGEMENT, run_id=uuid.uuid4(), dataset_id=DATASET, counts={}
    ).to_payload()
    payload.update(counts={"unbalanced": "many"}, run_id=17)
    with pytest.raises(MessageRejected) as refused:
        Envelope(type="analytics.completed", payload=payload).payload_as(AnalyticsCompleted)
    text = str(refused.value)
    assert "run_id: UUID input should be a string, bytes or UUID object (got 17)" in text
    assert "counts.unbalanced: Input should be a valid integer" in text and "(got 'many')" in text


def test_a_message_read_as_another_type_is_refused_naming_both() -> None:
    envelope = Envelope(type="analytics.completed", payload=_ingested())
    with pytest.raises(MessageRejected, match=r"is a analytics\.completed, not a dataset\.ingested"):
        envelope.payload_as(DatasetIngested)


def test_models_are_frozen_values() -> None:
    event = UserDeactivated(user_id=USER)
    with pytest.raises(ValueError, match="frozen"):
        event.user_id = uuid.uuid4()  # type: ignore[misc]


# --- the catalogue ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Any]:
    return build_catalogue(version="t", events_topic="events-t", jobs_queue="jobs-t")


def test_the_catalogue_lists_every_message_on_its_channel(catalogue: dict[str, Any]) -> None:
    assert catalogue["asyncapi"] == "3.0.0"
    channels = catalogue["channels"]
    assert (channels["events"]["address"], channels["jobs"]["address"]) == ("events-t", "jobs-t")
    listed = {name: channel for channel in channels for name in channels[channel]["messages"]}
    assert listed == {model.__name__: "events" if issubclass(model, Event) else "jobs" for model in MODELS}
    messages = catalogue["components"]["messages"]
    assert messages["DatasetIngested"]["name"] == "dataset.ingested"
    assert messages["DatasetIngested"]["summary"] == DatasetIngested.__doc__
    assert set(catalogue["components"]["schemas"]["EngagementStatusChanged"]["required"]) == {
        "engagement_id",
        "from",
        "to",
        "reason",
    }


def _validator(catalogue: dict[str, Any], model: type[Message]) -> Any:
    schema = {**catalogue["components"]["messages"][model.__name__]["payload"], "components": catalogue["components"]}
    return jsonschema_rs.validator_for(schema, validate_formats=True)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: type(example).type)
def test_the_catalogues_schema_accepts_what_the_producer_sends(catalogue: dict[str, Any], example: Message) -> None:
    uow = UnitOfWork(firm_id=uuid.uuid4())
    sent = uow.publish(example) if isinstance(example, Event) else uow.send(example)  # type: ignore[arg-type]
    validator = _validator(catalogue, type(example))
    body = sent.model_dump(mode="json")  # as the outbox stores it
    assert validator.is_valid(body), [error.message for error in validator.iter_errors(body)]


def test_the_catalogues_schema_refuses_another_type_or_a_bad_field(catalogue: dict[str, Any]) -> None:
    validator = _validator(catalogue, DatasetIngested)
    body = Envelope(type="dataset.ingested", payload=_ingested()).model_dump(mode="json")
    assert validator.is_valid(body)
    assert not validator.is_valid({**body, "type": "analytics.completed"})
    assert not validator.is_valid({**body, "payload": {**body["payload"], "dataset_id": "not-a-uuid"}})
    assert not validator.is_valid({**body, "payload": {**body["payload"], "version": "3"}})


def test_the_events_trigger_answers_the_catalogue_as_json() -> None:
    import json

    from functions.platform.api import events_document
    from shared.settings import get_settings

    answer = events_document(None)  # type: ignore[arg-type]  # the handler does not read the call
    settings = get_settings()
    assert (answer.status_code, answer.mimetype) == (200, "application/json")
    assert json.loads(answer.get_body()) == build_catalogue(
        version=settings.version, events_topic=settings.events_topic, jobs_queue=settings.jobs_queue
    )
