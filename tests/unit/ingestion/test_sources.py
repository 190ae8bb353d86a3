"""Reading CSV uploads: format and encoding sniffing, exact row numbers, and the refusals."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from functions.ingestion.problems import IngestRejected
from functions.ingestion.sources import (
    CSV_BLOCK_BYTES,
    MAX_BATCH_ROWS,
    SNIFF_BYTES,
    XLSX_TYPE,
    Source,
    open_source,
    sniff_delimiter,
)

pytestmark = pytest.mark.unit


class ForwardOnly:
    """A blob download stream: read(n) only, in short reads, no seek, no tell."""

    def __init__(self, data: bytes | Path, max_read: int = 70_001) -> None:
        self._file = open(data, "rb") if isinstance(data, Path) else io.BytesIO(data)  # noqa: SIM115
        self._max_read = max_read

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self._file.read()
        return self._file.read(min(size, self._max_read))

    def close(self) -> None:
        self._file.close()


def opened(data: bytes, content_type: str | None = None, **kwargs: Any) -> Source:
    return open_source(io.BytesIO(data), kind="general_ledger", content_type=content_type, **kwargs)


def rows_of(source: Source) -> list[tuple[int, dict[str, str | None]]]:
    """Every record with its row number, checking the batch contract on the way."""
    out = []
    for first_row, batch in source.chunks:
        assert 0 < batch.num_rows <= MAX_BATCH_ROWS
        assert batch.schema.names == source.header
        assert all(field.type == pa.string() for field in batch.schema)
        out.extend((first_row + i, record) for i, record in enumerate(batch.to_pylist()))
    return out


def rejected(data: bytes, content_type: str | None = None, **kwargs: Any) -> IngestRejected:
    with pytest.raises(IngestRejected) as caught:
        source = opened(data, content_type, **kwargs)
        for _ in source.chunks:
            pass
    return caught.value


# --- encodings ---------------------------------------------------------------------------------------------


def test_utf8_is_read_as_utf8() -> None:
    source = opened("Name;Amount\nMüller;€ 5\nÅse;7\n".encode())
    assert source.details["encoding"] == "utf-8"
    assert source.details["delimiter"] == ";"
    assert rows_of(source) == [(2, {"Name": "Müller", "Amount": "€ 5"}), (3, {"Name": "Åse", "Amount": "7"})]


def test_utf8_bom_is_skipped_and_not_part_of_the_first_column_name() -> None:
    source = opened("\ufeffJE Number,Amount\nJE1,1.00\n".encode())
    assert source.header == ["JE Number", "Amount"]
    assert source.details == {"encoding": "utf-8", "bom": True, "delimiter": ",", "header_row": 1}
    assert rows_of(source) == [(2, {"JE Number": "JE1", "Amount": "1.00"})]


def test_cp1252_is_transcoded() -> None:
    source = opened("Name;Amount\nMüller;€5\nFrançois;–3\n".encode("cp1252"))
    assert source.details["encoding"] == "cp1252"
    assert [r for _, r in rows_of(source)] == [
        {"Name": "Müller", "Amount": "€5"},
        {"Name": "François", "Amount": "–3"},
    ]


def test_cp1252_first_seen_after_a_megabyte_of_ascii_is_still_cp1252() -> None:
    ascii_rows = "".join(f"JE{i},plain ascii text {i:08d}\n" for i in range(300_000))
    assert len(ascii_rows) > SNIFF_BYTES + CSV_BLOCK_BYTES
    source = opened(("id,text\n" + ascii_rows + "JE-x,Müller € Straße\n").encode("cp1252"))
    *_, (first_row, last) = source.chunks
    assert source.details["encoding"] == "cp1252"
    assert first_row + last.num_rows - 1 == 300_002
    assert last.to_pylist()[-1] == {"id": "JE-x", "text": "Müller € Straße"}


def test_utf8_character_cut_by_the_sample_boundary_still_reads_as_utf8() -> None:
    header = b"id,text\n"
    filler = b"x" * (SNIFF_BYTES - len(header) - len(b"1,") - 1)
    data = header + b"1," + filler + "é\n2,ü\n".encode()
    assert data[SNIFF_BYTES - 1 : SNIFF_BYTES + 1] == "é".encode()
    source = opened(data)
    assert source.details["encoding"] == "utf-8"
    assert rows_of(source)[-1] == (3, {"id": "2", "text": "ü"})


def test_cp1252_lead_byte_at_the_sample_boundary_reads_as_cp1252() -> None:
    """0xE9 is é in cp1252 and the start of a three-byte UTF-8 character: the next byte decides."""
    header = b"id,text\n"
    filler = b"x" * (SNIFF_BYTES - len(header) - len(b"1,") - 1)
    data = header + b"1," + filler + b"\xe9\n2,x\n"
    assert data[SNIFF_BYTES - 1] == 0xE9
    source = opened(data)
    assert source.details["encoding"] == "cp1252"
    assert rows_of(source)[0][1]["text"].endswith("xé")


def test_byte_undefined_in_cp1252_is_refused_with_its_row() -> None:
    error = rejected(b"id,text\n1,M\xfcller\n2,ok\n3,bad \x81 byte\n")
    assert error.code == "encoding_error"
    assert error.problems[0]["row"] == 4
    assert error.problems[0]["column"] == "text"
    assert "Row 4" in error.message


def test_utf8_file_with_a_cp1252_row_further_down_is_refused_with_its_row() -> None:
    data = "id,text\n1,Müller\n".encode() + b"".join(b"%d,ok\n" % i for i in range(2, 100_000)) + b"7,M\xfcller\n"
    error = rejected(data)
    assert error.code == "encoding_error"
    assert error.problems[0]["row"] == 100_001
    assert error.problems[0]["column"] == "text"
    assert "mixes encodings" in error.message


def test_utf16_is_refused_with_a_way_out() -> None:
    error = rejected("a,b\n1,2\n".encode("utf-16"))
    assert error.code == "encoding_error"
    assert "UTF-8" in error.message


# --- delimiters and quoting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_sniffed(delimiter: str) -> None:
    others = "".join(d for d in ",;|" if d != delimiter)
    lines = [["JE Number", "Amount", "Description"], ["JE1", "10", f"with {others} inside"], ["JE2", "-10", "x"]]
    data = "\n".join(delimiter.join(line) for line in lines) + "\n"
    source = opened(data.encode())
    assert source.details["delimiter"] == delimiter
    assert source.header == ["JE Number", "Amount", "Description"]
    assert rows_of(source)[0] == (2, {"JE Number": "JE1", "Amount": "10", "Description": f"with {others} inside"})


def test_ads_pipe_file() -> None:
    data = b"Journal_ID|JE_Line_Number|GL_Account_Number|Amount_Credit_Debit_Indicator|Amount\n"
    data += b"100|1|4000|D|1,234.56\n100|2|2000|C|1,234.56\n"
    source = opened(data)
    assert source.details["delimiter"] == "|"
    assert rows_of(source)[1][1]["Amount"] == "1,234.56"


def test_delimiters_inside_quotes_do_not_count() -> None:
    assert sniff_delimiter('a;b;c\n"1,2,3,4";x;y\n"5,6";z;w\n', complete=True) == ";"


def test_the_header_alone_decides_when_there_is_one_line() -> None:
    assert sniff_delimiter("a;b;c", complete=True) == ";"
    assert sniff_delimiter("single column\n", complete=True) == ","


def test_the_consistent_delimiter_wins_over_a_more_frequent_one() -> None:
    text = "date,amount;description;account\n2024-01-01,5;paid a,b,c,d;4000\n2024-01-02,6;x;4000\n"
    assert sniff_delimiter(text, complete=True) == ";"


def test_quoted_values_keep_delimiters_newlines_and_quotes_and_count_as_one_row() -> None:
    data = b'id,text,amount\n1,"a, b",5\n2,"line one\nline two\r\nline three",6\n3,"say ""hi""",7\n4,,8\n'
    rows = rows_of(opened(data))
    assert rows == [
        (2, {"id": "1", "text": "a, b", "amount": "5"}),
        (3, {"id": "2", "text": "line one\nline two\r\nline three", "amount": "6"}),
        (4, {"id": "3", "text": 'say "hi"', "amount": "7"}),
        (5, {"id": "4", "text": None, "amount": "8"}),
    ]


def test_empty_and_quoted_empty_values_are_null_but_na_is_text() -> None:
    rows = rows_of(opened(b'a,b,c,d\n,"",NA,NULL\n'))
    assert rows == [(2, {"a": None, "b": None, "c": "NA", "d": "NULL"})]


def test_blank_lines_are_skipped_and_later_rows_keep_their_numbers() -> None:
    data = b"a,b\n\n1,2\n,\n\n3,4\n\n\n"
    assert rows_of(opened(data)) == [(3, {"a": "1", "b": "2"}), (6, {"a": "3", "b": "4"})]


def test_blank_lines_before_the_header_count_as_rows() -> None:
    source = opened(b"\n\na,b\n1,2\n")
    assert source.details["header_row"] == 3
    assert rows_of(source) == [(4, {"a": "1", "b": "2"})]


def test_crlf_and_cr_line_endings() -> None:
    assert rows_of(opened(b"a,b\r\n1,2\r\n3,4\r\n"))[-1] == (3, {"a": "3", "b": "4"})
    assert rows_of(opened(b"a,b\r1,2\r3,4\r"))[-1] == (3, {"a": "3", "b": "4"})


def test_header_names_are_stripped() -> None:
    assert opened(b" JE Number ,\tAmount \n1,2\n").header == ["JE Number", "Amount"]


def test_trailing_delimiter_columns_without_a_name_are_dropped_when_empty() -> None:
    source = opened(b"a;b;;\n1;2;;\n3;4;;\n")
    assert source.header == ["a", "b"]
    assert rows_of(source) == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]


def test_a_value_under_a_trailing_unnamed_column_is_refused() -> None:
    error = rejected(b"a;b;\n1;2;\n3;4;oops\n")
    assert error.code == "missing_header"
    assert error.problems[0]["row"] == 3


# --- exact row numbers in big files --------------------------------------------------------------------------


def _numbered_csv(path: Path, rows: int, markers: dict[int, str]) -> None:
    """Row r (spreadsheet numbering) holds id r-1; markers replace the text on chosen rows."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,account,amount,text\n")
        for row in range(2, rows + 2):
            text = markers.get(row, "plain")
            if row % 1000 == 0:
                text = '"a quoted\nvalue, spanning lines"'
            out.write(f"{row - 1},{4000 + row % 97},{row % 1000}.25,{text}\n")


@pytest.mark.parametrize("forward_only", [False, True])
def test_row_numbers_stay_exact_across_batches(tmp_path: Path, forward_only: bool) -> None:
    path = tmp_path / "gl.csv"
    _numbered_csv(path, 200_000, {7_312: "MARKER-A", 150_001: "MARKER-B"})
    stream = ForwardOnly(path) if forward_only else path.open("rb")
    try:
        source = open_source(stream, kind="general_ledger", content_type="text/csv")  # type: ignore[arg-type]
        found = {}
        batches = 0
        expected_next = 2
        for first_row, batch in source.chunks:
            batches += 1
            assert first_row == expected_next
            expected_next += batch.num_rows
            assert batch.num_rows <= MAX_BATCH_ROWS
            texts = batch.column("text").to_pylist()
            ids = batch.column("id").to_pylist()
            for offset, text in enumerate(texts):
                if text and text.startswith("MARKER"):
                    found[text] = first_row + offset
            assert int(ids[0]) == first_row - 1
            assert int(ids[-1]) == first_row + batch.num_rows - 2
    finally:
        stream.close()
    assert batches > 3
    assert expected_next == 200_002
    assert found == {"MARKER-A": 7_312, "MARKER-B": 150_001}


# --- refusals --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\t\n", b"\xef\xbb\xbf\n\n"])
def test_empty_files(data: bytes) -> None:
    assert rejected(data).code == "empty_file"


@pytest.mark.parametrize("data", [b"a,b", b"a,b\n", b"a,b\r\n\r\n", b"a;b\n;\n"])
def test_header_without_rows(data: bytes) -> None:
    error = rejected(data)
    assert error.code == "no_rows"
    assert "no data rows" in error.message


def test_header_without_rows_beyond_the_sample_is_found_at_the_end() -> None:
    data = b"a,b\n" + b"\n" * (SNIFF_BYTES + 10)
    assert rejected(data).code == "no_rows"


def test_random_bytes_are_binary() -> None:
    data = os.urandom(4096) + b"\x00" + os.urandom(4096)
    error = rejected(b"abc" + data)
    assert error.code == "binary_file"


def test_png_is_binary_and_named() -> None:
    error = rejected(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200))
    assert error.code == "binary_file"
    assert "PNG" in error.message


def test_mostly_control_bytes_are_binary_even_without_nul() -> None:
    assert rejected(bytes(range(1, 32)) * 100).code == "binary_file"


def test_xls_is_refused_with_a_way_out() -> None:
    error = rejected(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert error.code == "unsupported_format"
    assert "save it as .xlsx" in error.message
    assert "CSV" in error.message


def test_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    error = rejected(buffer.getvalue())
    assert error.code == "unsupported_format"
    assert "not an Excel workbook" in error.message


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (_zip_bytes(), "text/csv"),
        (b"a,b\n1,2\n", XLSX_TYPE),
        (b"a,b\n1,2\n", "application/xml"),
        (b"<?xml version='1.0'?><AuditFile/>", "text/csv"),
        (b"a,b\n1,2\n", "image/png"),
    ],
)
def test_declared_type_that_disagrees_with_the_bytes(data: bytes, content_type: str) -> None:
    error = rejected(data, content_type)
    assert error.code == "content_type_mismatch"
    assert content_type in error.message


@pytest.mark.parametrize(
    "content_type",
    [None, "text/csv", "text/csv; charset=utf-8", "TEXT/PLAIN;charset=windows-1252", "application/octet-stream"],
)
def test_accepted_types_for_csv(content_type: str | None) -> None:
    assert rows_of(opened(b"a,b\n1,2\n", content_type)) == [(2, {"a": "1", "b": "2"})]


def test_windows_label_for_csv_is_accepted() -> None:
    assert opened(b"a,b\n1,2\n", "application/vnd.ms-excel").format == "csv"


def test_malformed_rows_are_all_listed_with_their_rows() -> None:
    data = b'a,b,c\n1,2,3\n1,2\n"x\ny",2,3\n1,2,3,4\n5,6,7\n'
    error = rejected(data)
    assert error.code == "malformed_row"
    assert error.problem_count == 2
    assert error.problems == [
        {"row": 3, "column": None, "value": "1,2", "reason": "expected 3 fields, found 2"},
        {"row": 5, "column": None, "value": "1,2,3,4", "reason": "expected 3 fields, found 4"},
    ]


def test_rows_after_a_malformed_row_keep_their_numbers_until_the_refusal() -> None:
    source = opened(b"a,b\n1,2\n3\n4,5\n6,7\n")
    seen = []
    with pytest.raises(IngestRejected) as caught:
        for first_row, batch in source.chunks:
            seen.extend((first_row + i, r["a"]) for i, r in enumerate(batch.to_pylist()))
    assert seen == [(2, "1"), (4, "4"), (5, "6")]
    assert caught.value.problems[0]["row"] == 3


def test_many_malformed_rows_list_the_first_hundred_and_count_all() -> None:
    data = b"a,b\n" + b"1,2,3\n" * 250 + b"1,2\n"
    error = rejected(data)
    assert error.code == "malformed_row"
    assert error.problem_count == 250
    assert len(error.problems) == 100
    assert error.problems[0]["row"] == 2
    assert error.problems[-1]["row"] == 101


def test_long_malformed_row_is_cut_short_in_the_problem() -> None:
    error = rejected(b"a,b\n" + b"x" * 5000 + b",1,2\n")
    assert len(error.problems[0]["value"]) <= 100


@pytest.mark.parametrize(
    ("header", "first", "second"),
    [
        (b"JE Number,Amount,je_number", "JE Number", "je_number"),
        (b"Journal-ID;x;JOURNAL ID", "Journal-ID", "JOURNAL ID"),
    ],
)
def test_duplicate_columns_name_both(header: bytes, first: str, second: str) -> None:
    error = rejected(header + b"\n1,2,3\n")
    assert error.code == "duplicate_column"
    assert repr(first) in error.message
    assert repr(second) in error.message


def test_blank_header_between_named_columns_is_refused() -> None:
    error = rejected(b"a,,c\n1,2,3\n")
    assert error.code == "missing_header"
    assert "Column 2 (after 'a')" in error.message
    assert "Column 1 (the first column)" in rejected(b",b,c\n1,2,3\n").message


# --- dispatch --------------------------------------------------------------------------------------------------


def test_xml_goes_to_saft_with_the_stream_at_its_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import functions.ingestion.saft as saft

    calls = []

    def fake_open_saft(stream: Any, *, kind: str) -> Source:
        calls.append((stream.read(), kind))
        return Source("saft", [], iter(()), {})

    monkeypatch.setattr(saft, "open_saft", fake_open_saft)
    document = "\ufeff\n  <?xml version='1.0'?><AuditFile>ø</AuditFile>".encode()
    for stream in (io.BytesIO(document), ForwardOnly(document, max_read=5)):
        source = open_source(stream, kind="trial_balance", content_type="application/xml")  # type: ignore[arg-type]
        assert source.format == "saft"
    assert calls == [(document, "trial_balance"), (document, "trial_balance")]


def test_a_seekable_stream_not_at_zero_is_read_from_where_it_was() -> None:
    stream = io.BytesIO(b"junk" + b"a,b\n1,2\n")
    stream.seek(4)
    source = open_source(stream, kind="general_ledger", content_type=None)
    assert rows_of(source) == [(2, {"a": "1", "b": "2"})]
