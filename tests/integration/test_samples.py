"""Samples stored on an engagement through HTTP: drawn reproducibly from a population, findings entered
by API or workbook, evaluated and stored; the firm's working papers only."""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from functions.sampling import attribute, classical, mus, selection
from functions.sampling.service import jsonable
from tests.engagement_support import Workspace, workspace
from tests.ingestion_support import loaded
from tests.support import Reply

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# 60 receivables: 50 small (1,000 .. 5,900), 7 mid, 3 at or above any interval below 30,000.
ITEMS = [{"key": f"INV-{i:03d}", "book_value": f"{1000 + 100 * i}.00"} for i in range(50)]
ITEMS += [{"key": f"MID-{i}", "book_value": f"{8000 + 1500 * i}.50"} for i in range(7)]
ITEMS += [{"key": "BIG-1", "book_value": "45000.00"}, {"key": "BIG-2", "book_value": "38000.00"}]
ITEMS += [{"key": "BIG-3", "book_value": "31000.00"}, {"key": "CREDIT", "book_value": "-250.00"}]
TOTAL = sum(Decimal(i["book_value"]) for i in ITEMS)


def mus_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Receivables confirmation",
        "method": "mus",
        "population": {"source": "items", "amounts": "as_recorded", "items": ITEMS},
        "parameters": {"risk": "0.05", "tolerable_misstatement": "30000.00"},
        **fields,
    }


def create(ws: Workspace, body: dict[str, Any], who: Any = None) -> Reply:
    return ws.call("POST", "samples", who or ws.admin, json_body=body)  # type: ignore[no-any-return]


def test_mus_sample_from_a_list_is_drawn_from_its_seed_and_lists_high_value_items() -> None:
    ws = workspace()
    reply = create(ws, mus_body(seed=8675309))
    assert reply.status == 201, reply.body
    sample = reply.json()
    positive = sum(Decimal(i["book_value"]) for i in ITEMS if Decimal(i["book_value"]) > 0)
    design = sample["design"]
    # n = ceil(BV x 2.995732 / 30,000); interval = BV / n rounded down to the cent
    assert design["n"] == math.ceil(positive * Decimal("2.995732") / Decimal("30000"))
    assert Decimal(design["interval"]) == (positive / design["n"]).quantize(Decimal("0.01"), "ROUND_FLOOR")
    assert (design["confidence_factor"], design["excluded_count"]) == ("3.00", 1)
    assert sample["population"] == {
        "source": "items",
        "amounts": "as_recorded",
        "sha256": sample["population"]["sha256"],
        "count": 61,
        "total": str(TOTAL),
    }
    assert (sample["seed"], sample["algorithm"]) == (8675309, "pcg64-floyd-v1")
    interval = Decimal(design["interval"])
    at_or_above = {i["key"] for i in ITEMS if Decimal(i["book_value"]) >= interval}
    assert {"BIG-1", "BIG-2", "BIG-3"} <= at_or_above
    assert {i["key"] for i in sample["high_value_items"]} == at_or_above
    assert all(Decimal(i["book_value"]) < Decimal(design["interval"]) for i in sample["items"])
    units = sum(i["hits"] for i in sample["items"] + sample["high_value_items"])
    assert units == design["selected_units"]

    again = create(ws, mus_body(seed=8675309)).json()
    assert [i["key"] for i in again["items"]] == [i["key"] for i in sample["items"]]
    other = create(ws, mus_body(seed=1)).json()
    assert [i["key"] for i in other["items"]] != [i["key"] for i in sample["items"]]
    drawn = create(ws, mus_body()).json()
    assert isinstance(drawn["seed"], int)  # drawn and recorded when not given
    listed = ws.call("GET", "samples", ws.admin).json()
    assert listed["total"] == 4 and listed["items"][0]["item_count"] == len(drawn["items"] + drawn["high_value_items"])


def test_findings_entered_then_evaluated_and_stored() -> None:
    ws = workspace()
    sample = create(ws, mus_body(seed=42)).json()
    interval = Decimal(sample["design"]["interval"])
    everything = sample["items"] + sample["high_value_items"]
    evaluation = ws.call("POST", f"samples/{sample['id']}/evaluation", ws.admin, json_body={})
    assert evaluation.status == 409 and evaluation.json()["code"] == "sample_incomplete"

    first, big = sample["items"][0], sample["high_value_items"][0]
    updates = [{"line": i["line"], "audited_value": i["book_value"]} for i in everything]
    half = Decimal(first["book_value"]) / 2
    updates = [u for u in updates if u["line"] not in (first["line"], big["line"])]
    updates += [
        {"line": first["line"], "audited_value": str(half), "note": "invoice billed twice"},
        {"line": big["line"], "audited_value": str(Decimal(big["book_value"]) - 1000)},
    ]
    reply = ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body={"items": updates})
    assert reply.status == 200, reply.body
    assert reply.json()["audited_count"] == len(everything)

    done = ws.call("POST", f"samples/{sample['id']}/evaluation", ws.admin, json_body={})
    assert done.status == 200, done.body
    result = done.json()["evaluation"]
    over = result["overstatement"]
    # basic precision 2.995732 x interval (the 95% factor the size is computed with, tabled 3.00); one
    # tainting of 0.5 -> projected 0.5 x interval, allowance (4.743865 - 2.995732 - 1) x that; the
    # high-value item's 1,000 at face value.
    projected = (interval / 2).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    basic = (Decimal("2.995732") * interval).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    allowance = (Decimal("0.748133") * projected).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    assert Decimal(over["basic_precision"]) == basic
    assert Decimal(over["projected_misstatement"]) == projected + 1000
    assert Decimal(over["upper_limit"]) == basic + projected + 1000 + allowance
    assert result["conclusion"] == ("accept" if basic + projected + 1000 + allowance <= 30000 else "reject")
    stored = ws.call("GET", f"samples/{sample['id']}", ws.admin).json()
    assert stored["evaluation"] == result and stored["evaluated_at"]

    # A changed finding makes the stored evaluation stale, so it is cleared.
    change = [{"line": first["line"], "audited_value": first["book_value"]}]
    assert (
        ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body={"items": change}).json()["evaluation"]
        is None
    )


def test_a_stored_sample_and_its_evaluation_recompute_exactly() -> None:
    """What a sample stores (population reference, parameters, seed, algorithm, design, audited values and
    the evaluation's inputs) is enough to recompute it: the pure calculations, run again on the stored
    record and the population it names, give the same design, the same items and the same evaluation."""
    ws = workspace()
    sample = create(
        ws,
        mus_body(
            seed=20260331,
            parameters={"confidence": "0.95", "tolerable_misstatement": "30000.00", "expected_misstatement": "2500.00"},
        ),
    ).json()
    everything = sorted(sample["items"] + sample["high_value_items"], key=lambda i: i["line"])
    # Every third item is overstated by a tenth of its book value.
    updates = [
        {
            "line": i["line"],
            "audited_value": str(
                (Decimal(i["book_value"]) * (Decimal("0.9") if i["line"] % 3 == 0 else 1)).quantize(Decimal("0.01"))
            ),
        }
        for i in everything
    ]
    assert ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body={"items": updates}).status == 200
    assert ws.call("POST", f"samples/{sample['id']}/evaluation", ws.admin, json_body={}).status == 200
    stored = ws.call("GET", f"samples/{sample['id']}", ws.admin).json()
    items = sorted(stored["items"] + stored["high_value_items"], key=lambda i: i["line"])

    # The population: the list whose fingerprint is stored.
    assert (stored["seed"], stored["algorithm"]) == (20260331, selection.ALGORITHM)
    fingerprint = hashlib.sha256("".join(f"{i['key']}\t{Decimal(i['book_value'])}\n" for i in ITEMS).encode())
    assert stored["population"]["sha256"] == fingerprint.hexdigest()
    population = [(i["key"], Decimal(i["book_value"])) for i in ITEMS]

    # The plan, from the stored parameters (risk resolved from the confidence given) and book value.
    parameters, design = stored["parameters"], stored["design"]
    assert design["book_value"] == str(sum((v for _, v in population if v > 0), Decimal(0)))
    plan = mus.plan(
        book_value=Decimal(design["book_value"]),
        tolerable_misstatement=Decimal(parameters["tolerable_misstatement"]),
        expected_misstatement=Decimal(parameters["expected_misstatement"]),
        risk=Decimal(design["risk"]),
    )
    assert design["risk"] == "0.05" and design["expansion_factor"] == "1.6"  # the guide's table at 5% risk
    assert {key: design[key] for key in asdict(plan)} == jsonable(asdict(plan))

    # The selection, from the seed: the same items, in the same lines, with the same hits.
    chosen = mus.select(items=population, interval=plan.interval, seed=stored["seed"])
    assert design["random_start"] == str(chosen.random_start)
    again = [(s.position, s.key, s.hits, s.high_value) for s in chosen.high_value + chosen.sampled]
    assert again == [(i["population_position"], i["key"], i["hits"], i["high_value"]) for i in items]

    # The evaluation, from its stored inputs and the audited values.
    evaluation = stored["evaluation"]
    recomputed = mus.evaluate(
        items=[mus.Audited(i["key"], Decimal(i["book_value"]), Decimal(i["audited_value"])) for i in items],
        interval=Decimal(evaluation["interval"]),
        risk=Decimal(evaluation["risk"]),
        tolerable_misstatement=Decimal(evaluation["tolerable_misstatement"]),
    )
    assert evaluation["interval"] == design["interval"]
    assert jsonable({"method": "mus", **asdict(recomputed)}) == evaluation
    assert evaluation["lines"], "the findings above were misstatements"


def test_workbook_round_trip() -> None:
    ws = workspace()
    sample = create(ws, mus_body(seed=7)).json()
    exported = ws.call("GET", f"samples/{sample['id']}/workbook", ws.admin)
    assert exported.status == 200
    assert exported.headers["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(exported.body))
    sheet = book["Sample"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Line", "Key", "Description", "Book value"]
    design = {row[0].value: row[1].value for row in book["Design"].iter_rows()}
    assert design["Seed"] == "7" and design["Method"] == "mus"
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(sample["items"]) + len(sample["high_value_items"])
    audited_column = header.index("Audited value")
    for row in rows:
        row[audited_column].value = row[header.index("Book value")].value
    rows[0][audited_column].value = 0
    rows[0][header.index("Note")].value = "no such customer"
    out = io.BytesIO()
    book.save(out)

    reply = ws.call(
        "PUT", f"samples/{sample['id']}/workbook", ws.admin, body=out.getvalue(), headers={"Content-Type": XLSX}
    )
    assert reply.status == 200, reply.body
    stored = reply.json()
    line_one = next(i for i in stored["items"] + stored["high_value_items"] if i["line"] == rows[0][0].value)
    assert (line_one["audited_value"], line_one["note"]) == ("0.00", "no such customer")
    assert stored["audited_count"] == len(rows)
    assert ws.call("POST", f"samples/{sample['id']}/evaluation", ws.admin, json_body={}).status == 200

    # A workbook of another sample (book values that do not match) is refused, naming the row.
    rows[1][header.index("Book value")].value = 123456
    tampered = io.BytesIO()
    book.save(tampered)
    refused = ws.call(
        "PUT", f"samples/{sample['id']}/workbook", ws.admin, body=tampered.getvalue(), headers={"Content-Type": XLSX}
    )
    assert refused.status == 400
    assert refused.json()["errors"][0]["loc"] == ["body", "row 3", "Book value"]


def test_the_workbook_download_is_kept_by_no_cache_and_sniffed_by_no_browser() -> None:
    ws = workspace()
    sample = create(ws, mus_body(seed=7)).json()
    exported = ws.call("GET", f"samples/{sample['id']}/workbook", ws.admin)
    assert exported.status == 200
    assert exported.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in exported.headers["Cache-Control"].split(", ")
    name = f"sample-{sample['id']}.xlsx"
    assert exported.headers["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"


def test_attribute_sample_of_a_small_population_and_its_evaluation() -> None:
    ws = workspace()
    population = [{"key": f"PO-{i}", "book_value": "1.00"} for i in range(300)]
    body = {
        "name": "Purchase approvals",
        "method": "attribute",
        "population": {"source": "items", "items": population},
        "parameters": {"confidence": "0.95", "tolerable_rate": "0.05", "expected_rate": "0.01"},
        "seed": 99,
    }
    reply = create(ws, body)
    assert reply.status == 201, reply.body
    sample = reply.json()
    design = sample["design"]
    assert design["distribution"] == "hypergeometric" and design["population_size"] == 300
    n = design["n"]
    assert n < 93 and len(sample["items"]) == n  # fewer than Table A-1's 93 for an unlimited population
    lines = [i["line"] for i in sample["items"]]
    findings = [{"line": line, "deviation": line == lines[0]} for line in lines]
    assert ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body={"items": findings}).status == 200
    result = ws.call("POST", f"samples/{sample['id']}/evaluation", ws.admin, json_body={}).json()["evaluation"]
    assert (result["deviations"], result["distribution"]) == (1, "hypergeometric")
    # Rely when one deviation in n is unlikely (<= 5%) were 15 of the 300 (5%) deviations:
    # P(X <= 1) = [C(15,0) C(285,n) + C(15,1) C(285,n-1)] / C(300,n).
    chance = (math.comb(285, n) + 15 * math.comb(285, n - 1)) / math.comb(300, n)
    assert result["conclusion"] == ("rely" if chance <= 0.05 else "do_not_rely")
    # Recomputed from what is stored: the plan, the selection from the seed, and the evaluation from its inputs.
    plan = attribute.plan(
        risk=Decimal("0.05"), tolerable_rate=Decimal("0.05"), expected_rate=Decimal("0.01"), population_size=300
    )
    assert {key: design[key] for key in asdict(plan)} == jsonable(asdict(plan))
    positions = selection.simple_random(population_size=300, n=n, seed=sample["seed"])
    assert positions == [i["population_position"] for i in sample["items"]]
    inputs = {key: result[key] for key in ("n", "deviations", "risk", "tolerable_rate", "population_size")}
    assert inputs == {"n": n, "deviations": 1, "risk": "0.05", "tolerable_rate": "0.05", "population_size": 300}
    again = attribute.evaluate(
        n=n,
        deviations=1,
        risk=Decimal(inputs["risk"]),
        tolerable_rate=Decimal(inputs["tolerable_rate"]),
        population_size=300,
    )
    assert jsonable({"method": "attribute", **inputs, **asdict(again)}) == result
    wrong = [{"line": lines[0], "audited_value": "5.00"}]
    refused = ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body={"items": wrong})
    assert refused.status == 400 and refused.json()["errors"][0]["loc"] == ["body", "items", "0", "audited_value"]


TB = (
    b"Account Number,Account Name,Closing Balance\n1000,Cash,5000\n1100,Receivables,12000.50\n"
    b"1500,Equipment,8000\n2000,Payables,-9000\n3000,Equity,-16000.50\n"
)


def _journal(j: int) -> bytes:
    amount, day = 100 + 17 * j, 1 + j % 9
    return f"J{j},4000,-{amount}.00,2026-03-0{day},sale {j}\nJ{j},1100,{amount}.00,2026-03-0{day},sale {j}\n".encode()


GL = b"JE Number,Account,Amount,Posting Date,Description\n" + b"".join(_journal(j) for j in range(40))


def test_random_sample_of_the_trial_balance_records_the_dataset_version() -> None:
    ws = workspace()
    dataset = loaded(ws, ws.admin, "trial_balance", TB)
    body = {
        "name": "TB accounts",
        "method": "random",
        "population": {"source": "trial_balance"},
        "parameters": {"n": 3},
        "seed": 5,
    }
    reply = create(ws, body)
    assert reply.status == 201, reply.body
    sample = reply.json()
    assert sample["population"]["dataset_id"] == dataset["id"]
    assert sample["population"]["dataset_version"] == dataset["version"]
    # absolute amounts by default: 5,000 + 12,000.50 + 8,000 + 9,000 + 16,000.50
    assert (sample["population"]["count"], sample["population"]["total"]) == (5, "50001.00")
    assert {i["key"] for i in sample["items"]} <= {"1000", "1100", "1500", "2000", "3000"}
    assert len(sample["items"]) == 3


def test_stratified_sample_of_one_ledger_account() -> None:
    ws = workspace()
    loaded(ws, ws.admin, "general_ledger", GL)
    body = {
        "name": "Revenue lines",
        "method": "stratified",
        "population": {"source": "general_ledger", "account": "4000"},
        "parameters": {"n": 10, "strata": 2},
        "seed": 3,
    }
    reply = create(ws, body)
    assert reply.status == 201, reply.body
    sample = reply.json()
    assert sample["population"]["count"] == 40 and sample["population"]["account"] == "4000"
    strata = sample["design"]["strata"]
    assert [s["count"] for s in strata] and sum(s["count"] for s in strata) == 40
    assert sum(s["allocation"] for s in strata) == 10 == len(sample["items"])
    assert all(i["stratum"] in (1, 2) and i["key"].startswith("J") for i in sample["items"])
    assert all(s["lower"] <= s["upper"] for s in strata), "each stratum's boundaries are shown"

    # Every other line was recorded 10.00 too high; evaluated by stratum with the difference estimator.
    findings = [
        {"line": i["line"], "audited_value": str(Decimal(i["book_value"]) - (10 if i["line"] % 2 else 0))}
        for i in sample["items"]
    ]
    assert ws.call("PUT", f"samples/{sample['id']}/items", ws.admin, json_body={"items": findings}).status == 200
    body = {"estimator": "difference", "confidence": "0.90", "tolerable_misstatement": "2000.00"}
    reply = ws.call("POST", f"samples/{sample['id']}/evaluation", ws.admin, json_body=body)
    assert reply.status == 200, reply.body
    result = reply.json()["evaluation"]
    assert (result["method"], result["confidence"], result["n"], result["population_size"]) == (
        "difference",
        "0.90",
        10,
        40,
    )
    assert result["book_value"] == sample["population"]["total"]
    assert [row["n"] for row in result["strata"]] == [s["allocation"] for s in strata]
    # The same figures from the stored design (each stratum's count and total) and the audited items.
    by_stratum = [[i for i in sample["items"] if i["stratum"] == s["number"]] for s in strata]
    again = classical.estimate_stratified(
        method="difference",
        strata=[
            classical.StratumSample(
                s["number"],
                s["count"],
                Decimal(s["total"]),
                [Decimal(i["book_value"]) for i in chosen],
                [Decimal(f["audited_value"]) for i in chosen for f in findings if f["line"] == i["line"]],
            )
            for s, chosen in zip(strata, by_stratum, strict=True)
        ],
        confidence=Decimal("0.90"),
        tolerable_misstatement=Decimal("2000.00"),
    )
    expected = jsonable({**asdict(again), "confidence": "0.90", "tolerable_misstatement": "2000.00"})
    assert expected == result
    assert Decimal(result["projected_misstatement"]) > 0, "the lines were overstated"


def test_bad_parameters_and_missing_data_name_the_field() -> None:
    ws = workspace()
    bad = create(ws, mus_body(parameters={"risk": "0.05", "tolerable_misstatement": "-1"}))
    assert bad.status == 400
    assert bad.json()["errors"][0]["loc"][:3] == ["body", "parameters", "tolerable_misstatement"]
    no_risk = create(ws, mus_body(parameters={"tolerable_misstatement": "1000"}))
    assert no_risk.json()["errors"][0]["loc"] == ["body", "parameters", "risk"]
    no_tb = create(
        ws,
        {"name": "x", "method": "random", "population": {"source": "trial_balance"}, "parameters": {"n": 2}},
    )
    assert no_tb.status == 400 and no_tb.json()["errors"][0]["loc"] == ["body", "population", "source"]
    too_many = create(
        ws,
        {
            "name": "x",
            "method": "random",
            "population": {"source": "items", "items": ITEMS[:3]},
            "parameters": {"n": 5},
        },
    )
    assert too_many.status == 400 and too_many.json()["errors"][0]["loc"] == ["body", "parameters", "n"]


def test_only_the_firms_people_see_samples() -> None:
    ws = workspace()
    sample = create(ws, mus_body(seed=1)).json()
    client = ws.client_user()
    assert ws.call("GET", f"samples/{sample['id']}", client).status == 404
    staff = ws.person("staff", "staff", team_role="staff")
    assert ws.call("GET", f"samples/{sample['id']}", staff).status == 200
    assert create(ws, mus_body(seed=2), staff).status == 201  # staff prepare working papers
    other = workspace()
    assert other.call("GET", "samples", other.admin).json()["total"] == 0
    path = f"engagements/{ws.engagement_id}/samples/{sample['id']}"
    from tests.support import request

    assert request("GET", path, token=other.admin.token).status == 404


def test_a_workbook_that_is_not_one_is_refused() -> None:
    ws = workspace()
    sample = create(ws, mus_body(seed=1)).json()
    reply = ws.call(
        "PUT", f"samples/{sample['id']}/workbook", ws.admin, body=b"not a zip", headers={"Content-Type": XLSX}
    )
    assert reply.status == 400 and reply.json()["errors"][0]["loc"] == ["body", "workbook"]
    empty = Workbook()
    empty.active.title = "Other"
    out = io.BytesIO()
    empty.save(out)
    reply = ws.call(
        "PUT", f"samples/{sample['id']}/workbook", ws.admin, body=out.getvalue(), headers={"Content-Type": XLSX}
    )
    assert reply.status == 400 and "Sample" in reply.json()["errors"][0]["msg"]


def test_the_database_hides_samples_from_other_firms_and_locks_them_once_finalized() -> None:
    import uuid

    from sqlalchemy import func, select, update
    from sqlalchemy.exc import DBAPIError

    from shared.db.models_sampling import Sample, SampleItem
    from shared.db.uow import UnitOfWork

    ws = workspace()
    sample_id = uuid.UUID(create(ws, mus_body(seed=1)).json()["id"])
    other = workspace()
    with UnitOfWork(firm_id=other.firm_id, system=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(SampleItem)) == 0
        assert uow.session.get(Sample, sample_id) is None
    ws.finalize()
    with UnitOfWork(firm_id=ws.firm_id, system=True) as uow, pytest.raises(DBAPIError) as error:
        uow.session.execute(update(SampleItem).where(SampleItem.sample_id == sample_id).values(note="changed"))
    assert getattr(error.value.orig, "sqlstate", None) == "AU001"
