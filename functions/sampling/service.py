"""Use cases of samples stored on an engagement: draw, read, enter what was found, evaluate.

Samples are the firm's working papers: client users never see them (404, and row-level security hides
them). Reads need engagement.read; drawing, entering audited values and evaluating need
workpaper.prepare on the engagement; every write is refused once the engagement is finalized (409,
and the lock trigger of migration 0010 behind it).

A population is the engagement's current trial balance (its accounts' closing balances), the current
general ledger's lines (all, or one account's), or a list of items the auditor uploads; its snapshot
reference (dataset id and version, or a SHA-256 of the list, with count and total) is stored with the
sample, so the same population, seed and algorithm draw the same items again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from functions.sampling import attribute, classical, mus, selection, workbook
from functions.sampling.problems import InvalidInput
from functions.sampling.samples_schemas import PARAMETERS, ItemUpdate, PopulationSpec, SampleCreate, SampleEvaluate
from functions.sampling.schemas import RiskOrConfidence
from shared import clock
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.datasets import current_dataset
from shared.db.models_ingestion import Dataset, JournalLine, TrialBalanceLine
from shared.db.models_sampling import Sample, SampleItem
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.http.problems import validation_failed

MAX_POPULATION = 2_000_000
TARGET = "sample"
WRITE = Permission.WORKPAPER_PREPARE
READ = Permission.ENGAGEMENT_READ


@dataclass(frozen=True)
class SampleView:
    """A sample with its items in line order: what every read and write of one sample answers."""

    sample: Sample
    items: list[SampleItem]


@dataclass(frozen=True)
class SampleCount:
    """A sample in a list, with how many items it has and how many are audited."""

    sample: Sample
    item_count: int
    audited_count: int


@dataclass(frozen=True)
class SampleWorkbook:
    filename: str
    content: bytes


def jsonable(value: Any) -> Any:
    """Decimals as text in JSONB (a JSON number would go through a float); dataclasses as dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# --- populations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    key: str
    description: str | None
    book_value: Decimal


@dataclass(frozen=True)
class Population:
    reference: dict[str, Any]
    members: list[Member]


def _current_dataset(uow: UnitOfWork, engagement_id: uuid.UUID, kind: str) -> Dataset:
    dataset = current_dataset(uow, engagement_id=engagement_id, kind=kind)
    if dataset is None:
        raise ValidationFailed.field(
            "body", "population", "source", message=f"the engagement has no loaded {kind} to sample from (got {kind})"
        )
    return dataset


def _valued(amount: Decimal, amounts: str) -> Decimal:
    return abs(amount) if amounts == "absolute" else amount


def load_population(uow: UnitOfWork, *, engagement_id: uuid.UUID, spec: PopulationSpec) -> Population:
    """The population's members in a fixed order (the file's row order), and its snapshot reference."""
    reference: dict[str, Any] = {"source": spec.source, "amounts": spec.amounts}
    if spec.source == "items":
        if not spec.items:
            raise ValidationFailed.field("body", "population", "items", message="give the items to sample (got none)")
        if spec.account is not None:
            raise ValidationFailed.field(
                "body", "population", "account", message=f"is for general_ledger (got {spec.account})"
            )
        members = [Member(i.key, i.description, _valued(i.book_value, spec.amounts)) for i in spec.items]
        digest = hashlib.sha256()
        for item in spec.items:
            digest.update(f"{item.key}\t{item.book_value}\n".encode())
        reference["sha256"] = digest.hexdigest()
    else:
        if spec.items is not None:
            raise ValidationFailed.field(
                "body", "population", "items", message=f"are only for source items (got {spec.source})"
            )
        kind = spec.source
        dataset = _current_dataset(uow, engagement_id, kind)
        reference.update({"dataset_id": str(dataset.id), "dataset_version": dataset.version})
        if kind == "trial_balance":
            if spec.account is not None:
                raise ValidationFailed.field(
                    "body", "population", "account", message=f"is for general_ledger (got {spec.account})"
                )
            rows = uow.session.execute(
                select(TrialBalanceLine.account_number, TrialBalanceLine.account_name, TrialBalanceLine.closing_balance)
                .where(TrialBalanceLine.dataset_id == dataset.id)
                .order_by(TrialBalanceLine.row_number)
                .limit(MAX_POPULATION + 1)
            ).all()
            members = [Member(r[0], r[1], _valued(r[2], spec.amounts)) for r in rows]
        else:
            query = select(
                JournalLine.journal_id, JournalLine.line_number, JournalLine.description, JournalLine.amount
            ).where(JournalLine.dataset_id == dataset.id)
            if spec.account is not None:
                query = query.where(JournalLine.account_number == spec.account)
                reference["account"] = spec.account
            lines = uow.session.execute(query.order_by(JournalLine.row_number).limit(MAX_POPULATION + 1)).all()
            members = [Member(f"{r[0]}/{r[1]}", r[2], _valued(r[3], spec.amounts)) for r in lines]
        if len(members) > MAX_POPULATION:
            raise ValidationFailed.field(
                "body", "population", "source", message=f"has more than {MAX_POPULATION} items: sample one account"
            )
    if not members:
        raise ValidationFailed.field("body", "population", "source", message=f"holds no items (got {spec.source})")
    reference["count"] = len(members)
    reference["total"] = str(sum((m.book_value for m in members), Decimal(0)))
    return Population(reference, members)


# --- drawing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    position: int
    high_value: bool = False
    hits: int = 1
    stratum: int | None = None


def _validated_parameters(method: str, raw: dict[str, Any]) -> Any:
    model = PARAMETERS[method]
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise validation_failed(error, "body", "parameters", detail="The sample's parameters are not valid") from error


def _risk(parameters: RiskOrConfidence) -> Decimal:
    return parameters.resolved_risk("body", "parameters")


def _draw(method: str, parameters: Any, population: Population, seed: int) -> tuple[dict[str, Any], list[Drawn]]:
    """The design (figures a reviewer checks) and the items drawn, by method."""
    members = population.members
    if method == "mus":
        risk = _risk(parameters)
        book_value = sum((m.book_value for m in members if m.book_value > 0), Decimal(0))
        if book_value <= 0:
            raise InvalidInput("population", population.reference["total"], "has no positive book values for MUS")
        plan = mus.plan(
            book_value=book_value,
            tolerable_misstatement=parameters.tolerable_misstatement,
            expected_misstatement=parameters.expected_misstatement,
            risk=risk,
            expansion=parameters.expansion_factor,
        )
        chosen = mus.select(items=[(m.key, m.book_value) for m in members], interval=plan.interval, seed=seed)
        design = {
            **asdict(plan),
            "risk": risk,
            "book_value": book_value,
            "random_start": chosen.random_start,
            "selected_units": sum(s.hits for s in chosen.sampled + chosen.high_value),
            "high_value_count": len(chosen.high_value),
            "high_value_total": sum((s.book_value for s in chosen.high_value), Decimal(0)),
            "excluded_count": chosen.excluded_count,
            "excluded_value": chosen.excluded_value,
        }
        drawn = [Drawn(s.position, True, s.hits) for s in chosen.high_value]
        drawn += [Drawn(s.position, False, s.hits) for s in chosen.sampled]
        return design, drawn
    if method == "attribute":
        risk = _risk(parameters)
        plan_a = attribute.plan(
            risk=risk,
            tolerable_rate=parameters.tolerable_rate,
            expected_rate=parameters.expected_rate,
            population_size=len(members),
        )
        positions = selection.simple_random(population_size=len(members), n=plan_a.n, seed=seed)
        design = {**asdict(plan_a), "risk": risk, "population_size": len(members)}
        return design, [Drawn(p) for p in positions]
    if method == "random":
        if parameters.n > len(members):
            raise InvalidInput("n", parameters.n, f"exceeds the population of {len(members)} items")
        positions = selection.simple_random(population_size=len(members), n=parameters.n, seed=seed)
        return {"n": parameters.n, "formula": "simple random selection without replacement"}, [
            Drawn(p) for p in positions
        ]
    strata = classical.stratify(
        items=[(m.key, m.book_value) for m in members],
        strata=parameters.strata,
        n=parameters.n,
        seed=seed,
        boundaries=parameters.boundaries,
    )
    design = {
        "n": strata.n,
        "boundaries": strata.boundaries,
        "strata": [{k: v for k, v in asdict(s).items() if k != "selected"} for s in strata.strata],
        "formula": strata.formula,
    }
    drawn = [Drawn(p, stratum=s.number) for s in strata.strata for p in s.selected]
    return design, drawn


def create_sample(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, data: SampleCreate) -> SampleView:
    """Draw a sample from the population with the seed given (or a new one, recorded) and store it."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    parameters = _validated_parameters(data.method, data.parameters)
    population = load_population(uow, engagement_id=engagement_id, spec=data.population)
    seed = data.seed if data.seed is not None else selection.new_seed()
    try:
        design, drawn = _draw(data.method, parameters, population, seed)
    except InvalidInput as error:
        # The calculation's names, as the request names them.
        field = {"book_value": "population", "expansion": "expansion_factor"}.get(error.field, error.field)
        where = ["body"] if field in ("population", "seed") else ["body", "parameters"]
        raise ValidationFailed.field(*where, field, message=f"{error.message} (got {error.value})") from error
    sample = Sample(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        name=data.name,
        method=data.method,
        population=population.reference,
        parameters=jsonable(parameters.model_dump(exclude_none=True)),
        design=jsonable(design),
        seed=seed,
        algorithm=selection.ALGORITHM,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    uow.session.add(sample)
    uow.session.flush()
    for line, chosen in enumerate(drawn, start=1):
        member = population.members[chosen.position]
        uow.session.add(
            SampleItem(
                firm_id=sample.firm_id,
                engagement_id=engagement_id,
                sample_id=sample.id,
                line=line,
                population_position=chosen.position,
                item_key=member.key,
                description=member.description,
                book_value=member.book_value,
                high_value=chosen.high_value,
                hits=chosen.hits,
                stratum=chosen.stratum,
            )
        )
    uow.session.flush()
    record(
        uow,
        "sample.created",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=sample.id,
        method=data.method,
        seed=seed,
        items=len(drawn),
    )
    return _committed(uow, sample)


# --- reading --------------------------------------------------------------------------------------


def _sample_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, sample_id: uuid.UUID, *, lock: bool = False) -> Sample:
    query = select(Sample).where(Sample.id == sample_id, Sample.engagement_id == engagement_id)
    sample = uow.session.scalar(query.with_for_update() if lock else query)
    if sample is None:
        raise NotFound("No such sample", code="sample_not_found")
    return sample


def _items_of(uow: UnitOfWork, sample_id: uuid.UUID) -> list[SampleItem]:
    return list(
        uow.session.scalars(select(SampleItem).where(SampleItem.sample_id == sample_id).order_by(SampleItem.line))
    )


def _committed(uow: UnitOfWork, sample: Sample) -> SampleView:
    """Commit the change and answer the sample as stored (its updated_at is the database's)."""
    uow.commit()
    uow.session.refresh(sample)
    return SampleView(sample, _items_of(uow, sample.id))


def get_sample_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, sample_id: uuid.UUID
) -> SampleView:
    """A sample with its items, in line order."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    sample = _sample_or_raise(uow, engagement_id, sample_id)
    return SampleView(sample, _items_of(uow, sample.id))


def get_sample_workbook_or_raise(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, sample_id: uuid.UUID
) -> SampleWorkbook:
    """The sample as an .xlsx for fieldwork, named for the sample."""
    view = get_sample_or_raise(uow=uow, principal=principal, engagement_id=engagement_id, sample_id=sample_id)
    return SampleWorkbook(f"sample-{view.sample.id}.xlsx", workbook.export(view.sample, view.items))


def list_samples(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, offset: int, limit: int
) -> tuple[list[SampleCount], int]:
    """The engagement's samples, newest first, with their item and audited counts."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    total = uow.session.scalar(select(func.count()).select_from(Sample).where(Sample.engagement_id == engagement_id))
    counts = (
        select(
            SampleItem.sample_id,
            func.count().label("item_count"),
            func.count()
            .filter((SampleItem.audited_value.is_not(None)) | (SampleItem.deviation.is_not(None)))
            .label("audited"),
        )
        .group_by(SampleItem.sample_id)
        .subquery()
    )
    rows = uow.session.execute(
        select(Sample, func.coalesce(counts.c.item_count, 0), func.coalesce(counts.c.audited, 0))
        .outerjoin(counts, counts.c.sample_id == Sample.id)
        .where(Sample.engagement_id == engagement_id)
        .order_by(Sample.created_at.desc(), Sample.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [SampleCount(r[0], int(r[1]), int(r[2])) for r in rows], int(total or 0)


# --- entering what was found ----------------------------------------------------------------------


def update_items(
    *,
    uow: UnitOfWork,
    principal: Principal,
    engagement_id: uuid.UUID,
    sample_id: uuid.UUID,
    updates: Sequence[ItemUpdate],
) -> SampleView:
    """Record audited values, deviations and notes by line; the stored evaluation no longer holds."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    sample = _sample_or_raise(uow, engagement_id, sample_id, lock=True)
    _enter_findings(uow, principal, sample, updates, where=("body", "items"))
    return _committed(uow, sample)


def update_items_from_workbook(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, sample_id: uuid.UUID, data: bytes
) -> SampleView:
    """Enter what the filled-in workbook records, by line; the caller's right to is checked before it is read."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    sample = _sample_or_raise(uow, engagement_id, sample_id, lock=True)
    updates = workbook.read_filled(data, _items_of(uow, sample.id))
    _enter_findings(uow, principal, sample, updates, where=("body", "workbook"))
    return _committed(uow, sample)


def _enter_findings(
    uow: UnitOfWork, principal: Principal, sample: Sample, updates: Sequence[ItemUpdate], *, where: Sequence[str]
) -> None:
    engagement_id = sample.engagement_id
    by_line = {item.line: item for item in _items_of(uow, sample.id)}
    now = clock.now()
    for index, update in enumerate(updates):
        item = by_line.get(update.line)
        if item is None:
            raise ValidationFailed.field(
                *where, str(index), "line", message=f"no line {update.line} in this sample of {len(by_line)} items"
            )
        fields = update.model_fields_set
        if "deviation" in fields and update.deviation is not None and sample.method != "attribute":
            raise ValidationFailed.field(
                *where, str(index), "deviation", message=f"is for attribute samples (got {update.deviation})"
            )
        if "audited_value" in fields and update.audited_value is not None and sample.method == "attribute":
            raise ValidationFailed.field(
                *where,
                str(index),
                "audited_value",
                message=f"attribute samples record deviations (got {update.audited_value})",
            )
        changed = False
        for name in ("audited_value", "deviation", "note"):
            if name in fields and getattr(item, name) != getattr(update, name):
                setattr(item, name, getattr(update, name))
                changed = True
        if changed:
            item.audited_by, item.audited_at = principal.user_id, now
    sample.evaluation = None
    sample.evaluated_at = None
    sample.evaluated_by = None
    sample.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "sample.items_updated",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=sample.id,
        lines=len(updates),
    )


# --- evaluating -----------------------------------------------------------------------------------


def _missing(items: Sequence[SampleItem], attribute_sample: bool) -> list[int]:
    return [i.line for i in items if (i.deviation if attribute_sample else i.audited_value) is None]


def _stored_risk(sample: Sample) -> Decimal:
    return Decimal(sample.design["risk"])


def evaluate_sample(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, sample_id: uuid.UUID, data: SampleEvaluate
) -> SampleView:
    """Evaluate the audited sample by its method and store the result with the figures it came from."""
    require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=WRITE)
    sample = _sample_or_raise(uow, engagement_id, sample_id, lock=True)
    items = _items_of(uow, sample.id)
    missing = _missing(items, sample.method == "attribute")
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        what = "a deviation (yes or no)" if sample.method == "attribute" else "an audited value"
        raise Conflict(f"{len(missing)} items still need {what}: lines {shown}", code="sample_incomplete")
    given_risk = data.resolved_risk() if data.risk is not None or data.confidence is not None else None
    try:
        result = _evaluate(sample, items, data, given_risk)
    except InvalidInput as error:
        raise ValidationFailed.field("body", error.field, message=f"{error.message} (got {error.value})") from error
    sample.evaluation = jsonable(result)
    sample.evaluated_at = clock.now()
    sample.evaluated_by = principal.user_id
    sample.updated_by = principal.user_id
    uow.session.flush()
    record(
        uow,
        "sample.evaluated",
        engagement_id=engagement_id,
        target_type=TARGET,
        target_id=sample.id,
        conclusion=result.get("conclusion"),
    )
    return _committed(uow, sample)


def _evaluate(
    sample: Sample, items: Sequence[SampleItem], data: SampleEvaluate, risk: Decimal | None
) -> dict[str, Any]:
    """The evaluation with every input it used, so it can be recomputed from what is stored."""
    parameters = sample.parameters
    if sample.method == "mus":
        tolerable = data.tolerable_misstatement or Decimal(parameters["tolerable_misstatement"])
        audited = [mus.Audited(i.item_key, i.book_value, i.audited_value or Decimal(0)) for i in items]
        outcome = mus.evaluate(
            items=audited,
            interval=Decimal(sample.design["interval"]),
            risk=risk or _stored_risk(sample),
            tolerable_misstatement=tolerable,
        )
        return {"method": "mus", **asdict(outcome)}
    if sample.method == "attribute":
        used_risk = risk or _stored_risk(sample)
        tolerable_rate = data.tolerable_rate or Decimal(parameters["tolerable_rate"])
        deviations = sum(1 for i in items if i.deviation)
        population_size = int(sample.population["count"])
        outcome_a = attribute.evaluate(
            n=len(items),
            deviations=deviations,
            risk=used_risk,
            tolerable_rate=tolerable_rate,
            population_size=population_size,
        )
        inputs = {
            "n": len(items),
            "deviations": deviations,
            "risk": used_risk,
            "tolerable_rate": tolerable_rate,
            "population_size": population_size,
        }
        return {"method": "attribute", **inputs, **asdict(outcome_a)}
    estimator = data.estimator or "difference"
    confidence = 1 - (risk or Decimal("0.05"))
    inputs = {"confidence": confidence, "tolerable_misstatement": data.tolerable_misstatement}
    if sample.method == "stratified":
        outcome_s = classical.estimate_stratified(
            method=estimator,
            strata=_strata_samples(sample, items),
            confidence=confidence,
            tolerable_misstatement=data.tolerable_misstatement,
        )
        return {**asdict(outcome_s), **inputs, "method": estimator}
    outcome_c = classical.estimate(
        method=estimator,
        population_size=int(sample.population["count"]),
        book_value=Decimal(sample.population["total"]),
        book_values=[i.book_value for i in items],
        audited_values=[i.audited_value or Decimal(0) for i in items],
        confidence=confidence,
        tolerable_misstatement=data.tolerable_misstatement,
    )
    return {**asdict(outcome_c), **inputs, "method": estimator}


def _strata_samples(sample: Sample, items: Sequence[SampleItem]) -> list[classical.StratumSample]:
    """Each stratum of the design (its N_h and recorded total) with the audited items drawn from it."""
    strata = []
    for stratum in sample.design["strata"]:
        drawn = [i for i in items if i.stratum == stratum["number"]]
        strata.append(
            classical.StratumSample(
                number=int(stratum["number"]),
                population_size=int(stratum["count"]),
                book_value=Decimal(stratum["total"]),
                book_values=[i.book_value for i in drawn],
                audited_values=[i.audited_value or Decimal(0) for i in drawn],
            )
        )
    return strata
