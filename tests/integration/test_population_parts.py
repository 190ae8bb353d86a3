"""A general ledger's population stored as Parquet parts with its lines (shared/populations.py, migration
0028): the loader writes them in the load's transaction, the journal-entry run reads them instead of the
lines, and what the run sees is the same population, value for value, for every shape of ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import func, select

from functions.analytics import runner
from functions.analytics.je_tests import Context
from shared import populations
from shared.db.models_ingestion import PopulationPart
from shared.db.uow import UnitOfWork
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import ingest, loaded
from tools.synthetic_ledger import SHAPES, LedgerSpec, write_general_ledger

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

CONTEXT = Context(date(2026, 1, 1), date(2026, 12, 31), None)


def _ledger(tmp_path: Path, shape: str, lines: int = 3_000) -> bytes:
    spec = LedgerSpec(lines=lines, seed=5, shape=shape, fiscal_start=date(2026, 1, 1), fiscal_end=date(2026, 12, 31))
    write_general_ledger(tmp_path / "gl.csv", spec)
    return (tmp_path / "gl.csv").read_bytes()


def _population(ws: Workspace, dataset_id: uuid.UUID, *, from_parts: bool) -> pa.Table:
    """The population as the run's DuckDB sees it, every column, in row order."""
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        if from_parts:
            stored = populations.stored_lines(uow.session, dataset_id)
            assert stored > 0
            source: runner.Parts | Iterator[bytes] = runner.Parts(
                stored, lambda folder: populations.fetch(uow.session, dataset_id, folder)
            )
        else:
            source = runner.load_population(uow, dataset_id)
        with runner.Engine(source, CONTEXT) as engine:
            return engine.query("SELECT * FROM p ORDER BY row_number")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_parts_hold_the_lines_exactly(tmp_path: Path, shape: str) -> None:
    ws = workspace()
    dataset = loaded(ws, ws.admin, "general_ledger", _ledger(tmp_path, shape), filename=f"{shape}.csv")
    dataset_id = uuid.UUID(dataset["id"])
    from_parts = _population(ws, dataset_id, from_parts=True)
    from_lines = _population(ws, dataset_id, from_parts=False)
    assert from_parts.num_rows == dataset["summary"]["lines"] == 3_000
    assert from_parts.schema == from_lines.schema
    assert from_parts.equals(from_lines)


def test_a_large_ledger_is_stored_in_several_parts_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(populations, "PART_LINES", 700)
    ws = workspace()
    dataset = loaded(ws, ws.admin, "general_ledger", _ledger(tmp_path, "ads", 2_500), filename="ads.csv")
    dataset_id = uuid.UUID(dataset["id"])
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        parts = uow.session.execute(
            select(PopulationPart.part, PopulationPart.lines, PopulationPart.format)
            .where(PopulationPart.dataset_id == dataset_id)
            .order_by(PopulationPart.part)
        ).all()
    assert [tuple(row) for row in parts] == [
        (0, 700, populations.FORMAT),
        (1, 700, populations.FORMAT),
        (2, 700, populations.FORMAT),
        (3, 400, populations.FORMAT),
    ]
    assert _population(ws, dataset_id, from_parts=True).equals(_population(ws, dataset_id, from_parts=False))


def test_another_firm_sees_no_part_and_a_trial_balance_has_none(tmp_path: Path) -> None:
    ws, other = workspace(), workspace()
    dataset = loaded(ws, ws.admin, "general_ledger", _ledger(tmp_path, "default", 1_000), filename="gl.csv")
    tb = b"Account,Name,Type,Closing Balance\n1000,Cash,asset,100.00\n3000,Equity,equity,-100.00\n"
    balance = loaded(ws, ws.admin, "trial_balance", tb, filename="tb.csv")
    with UnitOfWork(firm_id=other.firm_id, user_id=uuid.UUID(other.admin.user_id)) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PopulationPart)) == 0
        assert populations.stored_lines(uow.session, uuid.UUID(dataset["id"])) == 0
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert populations.stored_lines(uow.session, uuid.UUID(dataset["id"])) == 1_000
        assert populations.stored_lines(uow.session, uuid.UUID(balance["id"])) == 0


def test_a_refused_ledger_leaves_no_part(tmp_path: Path) -> None:
    ws = workspace()
    good = _ledger(tmp_path, "default", 1_000).decode()
    header, *rows = good.splitlines()
    broken = "\n".join([header, *rows[:200], rows[200].replace(",", ",not a date,", 1), *rows[201:]]) + "\n"
    dataset = ingest(ws, ws.admin, "general_ledger", broken.encode(), filename="broken.csv")
    assert dataset["status"] == "failed", dataset
    with UnitOfWork(firm_id=ws.firm_id, user_id=uuid.UUID(ws.admin.user_id)) as uow:
        assert populations.stored_lines(uow.session, uuid.UUID(dataset["id"])) == 0
