"""Use cases of cut-off tests: run one on the current ledger, read runs, and make a selection a sample.

A run needs analytics.run; turning its lines into a sample needs workpaper.prepare, as drawing any
sample does. The sample is written to sampling's own tables (method `random`, audited values entered
per line), so sampling's endpoints, workbook and evaluation apply to it unchanged; its population
reference names the run. Client users never see any of it (404, and row-level security behind it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from functions.fieldwork import cutoff
from functions.fieldwork.cutoff_schemas import SelectionCreate
from shared import random_selection
from shared.auth.permissions import Permission
from shared.auth.principal import Principal
from shared.datasets import current_dataset
from shared.db.models_events import CutoffLine, CutoffRun, CutoffSelection
from shared.db.models_ingestion import JournalLine
from shared.db.models_mapping import AccountMapping
from shared.db.models_sampling import Sample, SampleItem
from shared.db.uow import UnitOfWork
from shared.engagement_access import record, require
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.journal_lines import account_names
from shared.standard_chart import firm_chart

RUN = Permission.ANALYTICS_RUN
SELECT = Permission.WORKPAPER_PREPARE
READ = Permission.ENGAGEMENT_READ
MAX_LINES = 50_000
ALGORITHMS = {"flagged": "cutoff-all-flagged", "chosen": "cutoff-auditor-chosen"}


@dataclass(frozen=True)
class RunView:
    run: CutoffRun
    lines: list[CutoffLine]
    selections: list[CutoffSelection]


def _areas(uow: UnitOfWork, engagement_id: uuid.UUID) -> dict[str, str]:
    """Account number -> cut-off area, from the engagement's mapping to the firm's standard chart."""
    chart = firm_chart(uow)
    rows = uow.session.execute(
        select(AccountMapping.account_number, AccountMapping.standard_code, AccountMapping.section).where(
            AccountMapping.engagement_id == engagement_id, AccountMapping.standard_code.is_not(None)
        )
    )
    found = {}
    for number, code, section in rows:
        lead_sheet = chart[code].lead_sheet if code is not None and code in chart else None
        area = cutoff.area_of(section, lead_sheet)
        if area is not None:
            found[number.strip()] = area
    return found


def run_cutoff(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, window_days: int) -> RunView:
    """Read the current ledger's lines in the window on the mapped areas' accounts and store the run."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=RUN)
    engagement = access.engagement
    ledger = current_dataset(uow, engagement_id=engagement_id, kind="general_ledger")
    if ledger is None:
        raise Conflict("The engagement has no loaded general ledger to test cut-off on", code="no_general_ledger")
    areas = _areas(uow, engagement_id)
    if not areas:
        raise Conflict(
            "No account is mapped to revenue, receivables, inventory or payables: map the accounts first",
            code="no_cutoff_accounts",
        )
    first, last = cutoff.window(engagement.period_end, window_days)
    rows = uow.session.execute(
        select(
            JournalLine.row_number,
            JournalLine.journal_id,
            JournalLine.line_number,
            JournalLine.account_number,
            JournalLine.amount,
            JournalLine.effective_date,
            JournalLine.document_date,
            JournalLine.description,
        )
        .where(
            JournalLine.dataset_id == ledger.id,
            JournalLine.effective_date.between(first, last),
            func.btrim(JournalLine.account_number).in_(sorted(areas)),
        )
        .limit(MAX_LINES + 1)
    ).all()
    if len(rows) > MAX_LINES:
        raise ValidationFailed.field(
            "body", "window_days", message=f"reads more than {MAX_LINES} lines: narrow it (got {window_days})"
        )
    found = cutoff.classify(
        (cutoff.LedgerLine(*row) for row in rows), areas, period_end=engagement.period_end, days=window_days
    )
    counts = cutoff.counts_by_area(found)
    run = CutoffRun(
        firm_id=engagement.firm_id,
        engagement_id=engagement_id,
        dataset_id=ledger.id,
        dataset_version=ledger.version,
        period_end=engagement.period_end,
        window_days=window_days,
        parameters={"window_days": window_days, "first_date": first.isoformat(), "last_date": last.isoformat()},
        counts=counts,
        line_count=len(found),
        flagged_count=sum(1 for item in found if item.flagged),
        created_by=principal.user_id,
    )
    uow.session.add(run)
    uow.session.flush()
    names = account_names(uow, engagement_id, (item.line.account_number for item in found))
    lines = [
        CutoffLine(
            firm_id=run.firm_id,
            engagement_id=engagement_id,
            run_id=run.id,
            position=position,
            row_number=item.line.row_number,
            journal_id=item.line.journal_id,
            line_number=item.line.line_number,
            account_number=item.line.account_number,
            account_name=names.get(item.line.account_number.strip()),
            area=item.area,
            amount=item.line.amount,
            effective_date=item.line.effective_date,
            document_date=item.line.document_date,
            side=item.side,
            flagged=item.flagged,
            description=item.line.description,
        )
        for position, item in enumerate(found)
    ]
    uow.session.add_all(lines)
    uow.session.flush()
    record(
        uow,
        "cutoff.run",
        engagement_id=engagement_id,
        target_type="cutoff_run",
        target_id=run.id,
        window_days=window_days,
        dataset_version=ledger.version,
        lines=run.line_count,
        flagged=run.flagged_count,
    )
    uow.commit()
    return RunView(run, lines, [])


def _run_or_raise(uow: UnitOfWork, engagement_id: uuid.UUID, run_id: uuid.UUID) -> CutoffRun:
    run = uow.session.scalar(select(CutoffRun).where(CutoffRun.id == run_id, CutoffRun.engagement_id == engagement_id))
    if run is None:
        raise NotFound("No such cut-off run", code="cutoff_run_not_found")
    return run


def _lines_of(uow: UnitOfWork, run_id: uuid.UUID) -> list[CutoffLine]:
    return list(
        uow.session.scalars(select(CutoffLine).where(CutoffLine.run_id == run_id).order_by(CutoffLine.position))
    )


def _selections_of(uow: UnitOfWork, run_id: uuid.UUID) -> list[CutoffSelection]:
    query = select(CutoffSelection).where(CutoffSelection.run_id == run_id).order_by(CutoffSelection.created_at)
    return list(uow.session.scalars(query))


def get_run_or_raise(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, run_id: uuid.UUID) -> RunView:
    """A run with its lines in order and the samples made from it."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    run = _run_or_raise(uow, engagement_id, run_id)
    return RunView(run, _lines_of(uow, run.id), _selections_of(uow, run.id))


def list_runs(*, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID) -> list[CutoffRun]:
    """The engagement's cut-off runs, newest first."""
    require(uow, principal=principal, engagement_id=engagement_id, permission=READ)
    query = select(CutoffRun).where(CutoffRun.engagement_id == engagement_id)
    return list(uow.session.scalars(query.order_by(CutoffRun.created_at.desc(), CutoffRun.id)))


def _positions(data: SelectionCreate, lines: list[CutoffLine]) -> tuple[list[int], int]:
    """The chosen lines' positions (ascending) and the seed that drew them (0 when none did)."""
    given = {"positions": data.positions, "n": data.n, "seed": data.seed}
    allowed = {"flagged": (), "chosen": ("positions",), "random": ("n", "seed")}[data.mode]
    for name, value in given.items():
        if value is not None and name not in allowed:
            raise ValidationFailed.field("body", name, message=f"is not for mode {data.mode} (got {value})")
    if data.mode == "flagged":
        positions = [line.position for line in lines if line.flagged]
        if not positions:
            raise ValidationFailed.field("body", "mode", message="the run flagged no lines (got flagged)")
        return positions, 0
    if data.mode == "chosen":
        if not data.positions:
            raise ValidationFailed.field("body", "positions", message="give the lines to select (got none)")
        for index, position in enumerate(data.positions):
            if not 0 <= position < len(lines):
                raise ValidationFailed.field(
                    "body", "positions", str(index), message=f"no line {position} in this run of {len(lines)} lines"
                )
        return sorted(set(data.positions)), 0
    if data.n is None:
        raise ValidationFailed.field("body", "n", message="give how many lines to draw (got none)")
    if data.n > len(lines):
        raise ValidationFailed.field("body", "n", message=f"exceeds the run's {len(lines)} lines (got {data.n})")
    seed = data.seed if data.seed is not None else random_selection.new_seed()
    return random_selection.simple_random(population_size=len(lines), n=data.n, seed=seed), seed


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | uuid.UUID) else value


def create_selection(
    *, uow: UnitOfWork, principal: Principal, engagement_id: uuid.UUID, run_id: uuid.UUID, data: SelectionCreate
) -> Sample:
    """Make the selected lines a sample in sampling's tables, evaluated as any random sample is."""
    access = require(uow, principal=principal, engagement_id=engagement_id, write=True, permission=SELECT)
    run = _run_or_raise(uow, engagement_id, run_id)
    lines = _lines_of(uow, run.id)
    if not lines:
        raise Conflict("The run found no lines to select", code="cutoff_run_empty")
    positions, seed = _positions(data, lines)
    total = sum((abs(line.amount) for line in lines), Decimal("0.00"))
    sample = Sample(
        firm_id=access.engagement.firm_id,
        engagement_id=engagement_id,
        name=data.name or f"Cut-off {run.period_end.isoformat()} ({data.mode})",
        method="random",
        population={
            "source": "cutoff",
            "cutoff_run_id": str(run.id),
            "dataset_id": str(run.dataset_id),
            "dataset_version": run.dataset_version,
            "amounts": "absolute",
            "count": len(lines),
            "total": _jsonable(total),
        },
        parameters={"n": len(positions)},
        design={"n": len(positions), "formula": f"cut-off selection: {data.mode}", "mode": data.mode},
        seed=seed,
        algorithm=random_selection.ALGORITHM if data.mode == "random" else ALGORITHMS[data.mode],
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    uow.session.add(sample)
    uow.session.flush()
    uow.session.add_all(
        SampleItem(
            firm_id=sample.firm_id,
            engagement_id=engagement_id,
            sample_id=sample.id,
            line=number,
            population_position=position,
            item_key=f"{lines[position].journal_id}/{lines[position].line_number}",
            description=lines[position].description,
            book_value=abs(lines[position].amount),
        )
        for number, position in enumerate(positions, start=1)
    )
    how = {"mode": data.mode, "positions": positions} | ({"seed": seed} if data.mode == "random" else {})
    uow.session.add(
        CutoffSelection(
            firm_id=sample.firm_id,
            engagement_id=engagement_id,
            run_id=run.id,
            sample_id=sample.id,
            how=how,
            created_by=principal.user_id,
        )
    )
    uow.session.flush()
    record(
        uow,
        "sample.created",
        engagement_id=engagement_id,
        target_type="sample",
        target_id=sample.id,
        method="random",
        seed=seed,
        items=len(positions),
        cutoff_run_id=str(run.id),
        mode=data.mode,
    )
    uow.commit()
    return sample
