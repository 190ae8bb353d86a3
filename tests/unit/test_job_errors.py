"""Which failures a job retries and what its user is told: one test per class of error, each with the
exception the real library raises (DuckDB running out of its budget, the csv module's field limit,
psycopg's SQLSTATE classes wrapped by SQLAlchemy, the Azure SDKs' throttling)."""

from __future__ import annotations

import csv
import errno
import io

import psycopg
import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.servicebus.exceptions import MessageSizeExceededError, ServiceBusServerBusyError
from psycopg import errors as pg
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc

from shared.job_errors import INTERNAL_ERROR, RETRIES_EXHAUSTED, Diagnosis, diagnose, retries_exhausted

pytestmark = pytest.mark.unit

SQL = "SELECT secret_column FROM journal_lines WHERE dataset_id = %(dataset_id)s"


def wrapped(driver_error: Exception) -> sa_exc.DBAPIError:
    """The driver's error as SQLAlchemy raises it from a statement (its text names the SQL)."""
    return sa_exc.DBAPIError.instance(SQL, {"dataset_id": 1}, driver_error, psycopg.Error)


def assert_readable(diagnosis: Diagnosis) -> None:
    """What a user reads: a sentence, no SQL, no traceback, no Python class path."""
    text = diagnosis.message
    assert text and text[0].isupper() and text.endswith("."), text
    for leak in ("SELECT", "Traceback", "sqlalche.me", "psycopg", "_duckdb", "\n"):
        assert leak not in text, (leak, text)


# --- deterministic: failed at once, told why ----------------------------------------------------------


def test_duckdb_out_of_its_memory_budget_is_out_of_memory_with_the_budget() -> None:
    import duckdb

    config = {"memory_limit": "8MB", "threads": 1, "temp_directory": ""}
    with duckdb.connect(config=config) as con, pytest.raises(duckdb.OutOfMemoryException) as raised:
        con.execute("SELECT list(i) FROM range(3000000) t(i)").fetchall()
    diagnosis = diagnose(raised.value)
    assert (diagnosis.transient, diagnosis.code) == (False, "out_of_memory")
    budget = diagnosis.details["budget_mb"]
    assert 4 <= budget <= 8, str(raised.value)
    assert f"(budget {budget:.1f} MB)" in diagnosis.message
    assert "more memory than this instance allows" in diagnosis.message
    assert "AURA_ANALYTICS_MEMORY_MB" in diagnosis.message
    assert_readable(diagnosis)


def test_the_budget_is_told_in_the_unit_it_was_set_in() -> None:
    import duckdb

    reported = duckdb.OutOfMemoryException("failed to allocate data of size 16.0 MiB (77.1 MiB/91.5 MiB used)")
    diagnosis = diagnose(reported)  # DuckDB's own words for a memory_limit of "96MB"
    assert diagnosis.details == {"budget_mb": 95.9}
    assert "(budget 96 MB)" in diagnosis.message


def test_python_memory_error_is_out_of_memory_without_a_budget() -> None:
    diagnosis = diagnose(MemoryError())
    assert (diagnosis.transient, diagnosis.code, diagnosis.details) == (False, "out_of_memory", {})
    assert "budget" not in diagnosis.message.split(".")[0]
    assert_readable(diagnosis)


def test_a_csv_field_past_the_limit_says_the_file_is_not_split_as_expected() -> None:
    text = "a,b\n" + '"' + "x" * (csv.field_size_limit() + 10) + '",1\n'
    with pytest.raises(csv.Error) as raised:
        list(csv.reader(io.StringIO(text)))
    diagnosis = diagnose(raised.value)
    assert (diagnosis.transient, diagnosis.code) == (False, "field_too_large")
    assert f"{csv.field_size_limit():,} characters" in diagnosis.message
    assert "delimiter" in diagnosis.message
    assert_readable(diagnosis)


def test_other_csv_errors_are_a_malformed_file() -> None:
    with pytest.raises(csv.Error) as raised:
        list(csv.reader(io.StringIO('a,"b"c\n'), strict=True))
    diagnosis = diagnose(raised.value)
    assert (diagnosis.transient, diagnosis.code) == (False, "malformed_file")
    assert diagnosis.message == "The file is not well-formed CSV: ',' expected after '\"'."
    assert_readable(diagnosis)


def test_undecodable_bytes_name_their_position_and_the_fix() -> None:
    with pytest.raises(UnicodeDecodeError) as raised:
        b"Journal,Amount\nJ1,caf\xe9\n".decode("utf-8")
    diagnosis = diagnose(raised.value)
    assert (diagnosis.transient, diagnosis.code) == (False, "bad_encoding")
    assert diagnosis.message.startswith("The file is not UTF-8 text: the byte 0xe9 at position 21 cannot be read.")
    assert diagnosis.details == {"encoding": "utf-8", "position": 21}
    assert_readable(diagnosis)


def test_a_bad_parameter_names_the_field_and_the_rule() -> None:
    class Params(BaseModel):
        threshold: int = Field(ge=1)

    with pytest.raises(ValueError) as raised:
        Params.model_validate({"threshold": -5})
    diagnosis = diagnose(raised.value)
    assert (diagnosis.transient, diagnosis.code) == (False, "invalid_parameters")
    assert "threshold: Input should be greater than or equal to 1" in diagnosis.message
    assert "-5" not in diagnosis.message  # the rule, not the client's value
    assert_readable(diagnosis)


def test_a_parser_value_error_keeps_its_own_words_on_one_bounded_line() -> None:
    diagnosis = diagnose(ValueError("Row 12, column Amount: '12,3.4' is not a number\nmore detail"))
    assert (diagnosis.transient, diagnosis.code) == (False, "invalid_input")
    assert diagnosis.message == "The data could not be processed: Row 12, column Amount: '12,3.4' is not a number."
    long = diagnose(ValueError("x" * 5000))
    assert len(long.message) < 400
    assert_readable(diagnosis)


def test_a_population_value_duckdb_cannot_convert_names_the_value_not_the_statement() -> None:
    import duckdb

    with duckdb.connect() as con, pytest.raises(duckdb.ConversionException) as raised:
        con.execute("SELECT CAST(x AS INTEGER) FROM (VALUES ('12a')) t(x)").fetchall()
    diagnosis = diagnose(raised.value)
    assert (diagnosis.transient, diagnosis.code) == (False, "invalid_population")
    assert "Could not convert string '12a' to INT32" in diagnosis.message
    assert "LINE 1" not in diagnosis.message
    assert_readable(diagnosis)


def test_a_value_the_database_refuses_is_not_retried() -> None:
    diagnosis = diagnose(wrapped(pg.NumericValueOutOfRange("numeric field overflow")))
    assert (diagnosis.transient, diagnosis.code) == (False, "invalid_values")
    assert_readable(diagnosis)


def test_a_full_disk_is_not_retried() -> None:
    for error in (OSError(errno.ENOSPC, "No space left on device"), wrapped(pg.DiskFull("could not extend file"))):
        diagnosis = diagnose(error)
        assert (diagnosis.transient, diagnosis.code) == (False, "disk_full"), error
        assert_readable(diagnosis)


def test_an_unknown_error_is_a_defect_told_without_its_text() -> None:
    diagnosis = diagnose(KeyError("customer 4711 ACME balance 1,234,567.89"))
    assert (diagnosis.transient, diagnosis.code) == (False, INTERNAL_ERROR)
    assert "KeyError" in diagnosis.message and "4711" not in diagnosis.message
    assert "not retried" in diagnosis.message
    assert_readable(diagnosis)


def test_a_known_cause_inside_an_unknown_wrapper_is_found() -> None:
    try:
        try:
            raise MemoryError()
        except MemoryError as cause:
            raise RuntimeError("the tests stopped") from cause
    except RuntimeError as error:
        assert diagnose(error).code == "out_of_memory"
    assert diagnose(MessageSizeExceededError(message="too big")).code == "invalid_input"  # a ValueError, not retryable


# --- transient: retried -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (wrapped(psycopg.OperationalError("consuming input failed: server closed the connection")), "connection_lost"),
        (psycopg.OperationalError("connection failed: Connection refused"), "connection_lost"),
        (wrapped(pg.AdminShutdown("terminating connection due to administrator command")), "database_restarting"),
        (wrapped(pg.ConnectionFailure("connection failure")), "connection_lost"),
        (wrapped(pg.LockNotAvailable("could not obtain lock on row")), "lock_not_available"),
        (wrapped(pg.QueryCanceled("canceling statement due to statement timeout")), "statement_timeout"),
        (wrapped(pg.SerializationFailure("could not serialize access")), "serialization_failure"),
        (wrapped(pg.DeadlockDetected("deadlock detected")), "deadlock"),
        (wrapped(pg.TooManyConnections("too many clients already")), "database_busy"),
        (sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), "database_busy"),
        (ServiceBusServerBusyError(message="the entity is being throttled"), "azure_throttled"),
        (ServiceRequestError("Connection aborted."), "azure_unreachable"),
        (TimeoutError("timed out"), "timeout"),
        (ConnectionResetError(104, "Connection reset by peer"), "network"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_passing_faults_are_retried(error: Exception, code: str) -> None:
    diagnosis = diagnose(error)
    assert (diagnosis.transient, diagnosis.code) == (True, code)
    assert "SELECT" not in diagnosis.message


def test_azure_http_errors_are_retried_only_when_the_service_says_later() -> None:
    throttled = HttpResponseError(message="Server busy")
    throttled.status_code = 503
    assert (diagnose(throttled).transient, diagnose(throttled).code) == (True, "azure_throttled")
    refused = HttpResponseError(message="This request is not authorized")
    refused.status_code = 403
    assert diagnose(refused).transient is False


def test_exhausted_retries_say_how_often_and_the_last_cause() -> None:
    last = diagnose(wrapped(pg.LockNotAvailable("could not obtain lock on row")))
    error = retries_exhausted(last, 10)
    assert error["code"] == RETRIES_EXHAUSTED
    assert error["details"] == {"attempts": 10, "last_cause": "lock_not_available"}
    assert error["message"].startswith("The job was tried 10 times and each attempt was interrupted; the last time, ")
    assert "a row it needed stayed locked by other work" in error["message"]
    assert "SELECT" not in error["message"] and "LockNotAvailable" not in error["message"]
