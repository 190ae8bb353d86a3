"""The column-mapping preview without a database: header matching, the sample rows, and refusals."""

from __future__ import annotations

import pytest

from functions.ingestion import fields
from functions.ingestion.preview import MAX_ROWS, PreviewOptions, csv_beginning, preview
from shared.errors import AppError, UnsupportedMediaType, ValidationFailed

pytestmark = pytest.mark.unit

CSV = "text/csv"


def read(data: bytes, kind: str = "general_ledger", **options: object) -> dict:
    return preview(options=PreviewOptions(kind=kind, **options), data=data, content_type=CSV).model_dump()


def test_every_field_of_the_kind_is_listed_once_in_the_column_maps_order() -> None:
    for kind in fields.KINDS:
        answer = read(b"Account,Name,Balance\n1000,Cash,1.00\n", kind)
        assert [f["field"] for f in answer["fields"]] == list(fields.source_fields(kind))
        assert {f["field"] for f in answer["fields"] if f["required"]} == set(fields.REQUIRED[kind])


def test_a_trial_balance_with_plain_debit_and_credit_reads_them_as_the_closing_balance() -> None:
    answer = read(b"Account,Name,Debit,Credit\n1000,Cash,5.00,\n2000,Loan,,5.00\n", "trial_balance")
    columns = {f["field"]: f["column"] for f in answer["fields"]}
    assert columns["closing_debit"] == "Debit" and columns["closing_credit"] == "Credit"
    assert columns["period_debit"] is None and answer["ready"] is True
    assert answer["amount_forms"] == {"closing_balance": "debit_credit"}


def test_two_headers_for_one_field_are_reported_and_left_unmapped() -> None:
    answer = read(b"Account,Account Number,Name,Balance\n1,2,Cash,1.00\n", "trial_balance")
    assert answer["ready"] is False
    assert {f["field"]: f["column"] for f in answer["fields"]}["account_number"] is None
    assert any(p["reason"].startswith("ambiguous") for p in answer["problems"])
    assert {"Account", "Account Number"} <= set(answer["unmapped"])


def test_only_the_first_rows_are_shown() -> None:
    data = b"Account,Name,Balance\n" + b"".join(b"%d,A%d,%d.00\n" % (i, i, i) for i in range(500))
    answer = read(data, "trial_balance")
    assert len(answer["rows"]) == MAX_ROWS
    assert answer["rows"][0] == {"row": 2, "cells": ["0", "A0", "0.00"]}


def test_a_cut_csv_loses_only_its_unfinished_last_line() -> None:
    data = b"h\n" + b"x\n" * 100 + b"partial"
    assert csv_beginning(data) == b"h\n" + b"x\n" * 100
    assert csv_beginning(b"h\nx\ny") == b"h\nx\ny"  # a short file is taken whole
    assert len(csv_beginning(b"h\n" + b"x" * 3_000_000 + b"\n")) == 1024 * 1024


@pytest.mark.parametrize("data", [b"a", b"ab", b"4,"])
def test_a_file_of_a_few_bytes_is_refused_as_having_no_rows(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read(data)
    assert refused.value.code == "no_rows"


# pyarrow cannot hand the invalid handler a row that is not UTF-8; it reports that as unraisable, then fails
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_malformed_first_block_is_refused_not_failed() -> None:
    data = b"\xdc\x9f;\n\x8b\xc0\xa7C\xa3\x19'\xd3\xee&\x17\x96f*(BaP\x16F\xe6\xdf.\xb0\xa0]\xaa"
    with pytest.raises(AppError) as refused:
        read(data)
    assert refused.value.status == 400


def test_a_declared_type_that_disagrees_with_the_bytes_is_415() -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        preview(options=PreviewOptions(kind="general_ledger"), data=b"a,b\n1,2\n", content_type="application/xml")
    assert refused.value.code == "content_type_mismatch"


def test_the_column_map_is_read_as_json_as_for_the_upload() -> None:
    options = PreviewOptions.model_validate({"kind": "general_ledger", "column_map": '{"journal_id": "Ref"}'})
    assert options.column_map == {"journal_id": "Ref"}
    with pytest.raises(ValueError, match="column_map must be a JSON object"):
        PreviewOptions.model_validate({"kind": "general_ledger", "column_map": "[1]"})
