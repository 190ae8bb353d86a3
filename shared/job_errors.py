"""Why a job stopped, told once: a passing fault is worth another delivery, anything else is not.

Retrying an out-of-memory run, a malformed file or a bad parameter ten times only delays the same
failure by minutes and hides its cause behind "failed repeatedly". So every exception a job handler
raises is diagnosed here, for every kind of job alike: a transient fault (the database connection
lost, a lock or statement timeout, a serialization failure or deadlock, Azure throttling, a network
timeout) is retried by the queue; anything else fails the job on its first delivery with a code and a
message its user can act on. Messages never carry a stack, SQL or the file's contents.

Library modules are looked up in `sys.modules` rather than imported: an exception of DuckDB or
psycopg can only exist once its library was imported, and the HTTP path never pays for importing them.
"""

from __future__ import annotations

import csv
import errno
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import pydantic
from sqlalchemy import exc as sa_exc

INTERNAL_ERROR = "internal_error"
RETRIES_EXHAUSTED = "retries_exhausted"
_MESSAGE_CHARS = 300

# SQLSTATEs of faults that pass (PostgreSQL appendix A); class 08 is every connection exception.
_TRANSIENT_SQLSTATES = {
    "55P03": ("lock_not_available", "a row it needed stayed locked by other work"),
    "57014": ("statement_timeout", "a database statement ran past its time limit"),
    "40001": ("serialization_failure", "it collided with other work on the same rows"),
    "40P01": ("deadlock", "it deadlocked with other work on the same rows"),
    "57P01": ("database_restarting", "the database server was restarting"),
    "57P02": ("database_restarting", "the database server was restarting"),
    "57P03": ("database_restarting", "the database server was restarting"),
    "53300": ("database_busy", "the database server had no free connection"),
    "53400": ("database_busy", "the database server was at a configured limit"),
    "53200": ("database_busy", "the database server was short of memory"),
}
_CONNECTION_LOST = ("connection_lost", "the connection to the database was lost")
# Azure SDK errors that mean "later": azure-core's transport errors and azure-servicebus's throttling.
_AZURE_TRANSIENT = {
    "ServiceRequestError": ("azure_unreachable", "an Azure service could not be reached"),
    "ServiceResponseError": ("azure_unreachable", "an Azure service did not answer"),
    "ServiceRequestTimeoutError": ("azure_unreachable", "an Azure service did not answer in time"),
    "ServiceResponseTimeoutError": ("azure_unreachable", "an Azure service did not answer in time"),
    "ServiceBusServerBusyError": ("azure_throttled", "Azure Service Bus was busy and asked to slow down"),
    "ServiceBusCommunicationError": ("azure_unreachable", "Azure Service Bus could not be reached"),
    "ServiceBusConnectionError": ("azure_unreachable", "the connection to Azure Service Bus was lost"),
    "OperationTimeoutError": ("azure_unreachable", "an Azure service did not answer in time"),
}
_AZURE_TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
_FIELD_LIMIT = re.compile(r"field larger than field limit \((\d+)\)")
# DuckDB: "failed to allocate data of size 16.0 MiB (77.1 MiB/91.5 MiB used)"
_DUCKDB_USED = re.compile(r"/\s*([\d.]+)\s*(KiB|MiB|GiB|TiB|KB|MB|GB|TB)\s+used")
# In MB of 10**6 bytes, the unit of DuckDB's memory_limit "96MB" (which it reports as 91.5 MiB).
_UNIT_MB = {"KiB": 2**10 / 1e6, "MiB": 2**20 / 1e6, "GiB": 2**30 / 1e6, "TiB": 2**40 / 1e6}
_UNIT_MB |= {"KB": 1e-3, "MB": 1, "GB": 1e3, "TB": 1e6}


@dataclass(frozen=True)
class Diagnosis:
    """What stopped a job: whether another delivery may succeed, and what to tell its user."""

    transient: bool
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_error(self) -> dict[str, Any]:
        """The job's `error` (and, through its kind's on_failure, the run's or dataset's)."""
        return {"code": self.code, "message": self.message, "details": dict(self.details)}


def diagnose(error: BaseException) -> Diagnosis:
    """The first cause along the exception's chain that is known; an unknown one is a defect, not a fault."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        known = _diagnose_one(current)
        if known is not None:
            return known
        current = current.__cause__ or current.__context__
    return Diagnosis(
        False,
        INTERNAL_ERROR,
        f"The job stopped on an unexpected error ({type(error).__name__}) and was not retried, because it "
        "would stop the same way again. Tell your administrator, quoting the job id.",
    )


def retries_exhausted(last: Diagnosis, attempts: int) -> dict[str, Any]:
    """The job's error once every delivery met a passing fault: how often, and the last fault."""
    return {
        "code": RETRIES_EXHAUSTED,
        "message": (
            f"The job was tried {attempts} times and each attempt was interrupted; the last time, {last.message}. "
            "Nothing of it was kept. Start it again later; if this keeps happening, tell your administrator."
        ),
        "details": {"attempts": attempts, "last_cause": last.code},
    }


def _transient(code: str, phrase: str) -> Diagnosis:
    return Diagnosis(True, code, phrase)


def _diagnose_one(error: BaseException) -> Diagnosis | None:
    for check in (_duckdb, _memory, _sqlalchemy, _psycopg, _azure, _os, _parsing):
        found = check(error)
        if found is not None:
            return found
    return None


def _duckdb(error: BaseException) -> Diagnosis | None:
    duckdb: Any = sys.modules.get("duckdb")
    if duckdb is None or not isinstance(error, duckdb.Error):
        return None
    text = str(error)
    if isinstance(error, duckdb.OutOfMemoryException):
        return _out_of_memory(_budget_mb(text))
    if isinstance(error, duckdb.IOException) and "space" in text.lower():
        return _disk_full()
    if isinstance(error, duckdb.InterruptException):
        return _transient("interrupted", "the analysis was interrupted")
    if isinstance(error, duckdb.DataError):  # a stored value the statements cannot convert or hold
        return Diagnosis(
            False,
            "invalid_population",
            f"The loaded ledger holds a value the tests cannot use ({_first_line(error)}). "
            "Correct the file and load it again.",
        )
    return None


def _memory(error: BaseException) -> Diagnosis | None:
    return _out_of_memory(None) if isinstance(error, MemoryError) else None


def _out_of_memory(budget_mb: float | None) -> Diagnosis:
    budget = f" (budget {budget_mb:,.{0 if budget_mb >= 10 else 1}f} MB)" if budget_mb is not None else ""
    return Diagnosis(
        False,
        "out_of_memory",
        f"The ledger needs more memory than this instance allows{budget}. Retrying would fail the same way: "
        "ask your administrator to raise the analytics memory budget (AURA_ANALYTICS_MEMORY_MB) or to move "
        "the app to a larger instance, then start the run again.",
        {"budget_mb": budget_mb} if budget_mb is not None else {},
    )


def _budget_mb(text: str) -> float | None:
    found = _DUCKDB_USED.search(text)
    return round(float(found.group(1)) * _UNIT_MB[found.group(2)], 1) if found else None


def _disk_full() -> Diagnosis:
    return Diagnosis(
        False,
        "disk_full",
        "The worker's temporary disk or the database ran out of space. Tell your administrator; "
        "retrying as things are would fail the same way.",
    )


def _sqlalchemy(error: BaseException) -> Diagnosis | None:
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return _transient(*_CONNECTION_LOST)
        return _diagnose_one(error.orig) if error.orig is not None else None
    if isinstance(error, sa_exc.TimeoutError):  # no connection free in the pool in time
        return _transient("database_busy", "no database connection came free in time")
    if isinstance(error, sa_exc.DisconnectionError):
        return _transient(*_CONNECTION_LOST)
    return None


def _psycopg(error: BaseException) -> Diagnosis | None:
    psycopg: Any = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(error, psycopg.Error):
        return None
    state = error.sqlstate or ""
    if state in _TRANSIENT_SQLSTATES:
        return _transient(*_TRANSIENT_SQLSTATES[state])
    if state.startswith("08") or (not state and isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)):
        return _transient(*_CONNECTION_LOST)  # no SQLSTATE: the server never answered
    if state == "53100":
        return _disk_full()
    if isinstance(error, psycopg.DataError | psycopg.IntegrityError):
        primary = error.diag.message_primary or "invalid value"
        return Diagnosis(False, "invalid_values", f"The database refused a value: {primary.rstrip('.')}.")
    return None


def _azure(error: BaseException) -> Diagnosis | None:
    names = {kind.__name__ for kind in type(error).__mro__}
    for name, (code, phrase) in _AZURE_TRANSIENT.items():
        if name in names:
            return _transient(code, phrase)
    if "ServiceBusError" in names and getattr(error, "retryable", False):  # the SDK's own verdict
        return _transient("azure_unreachable", "Azure Service Bus asked to be tried again")
    if "HttpResponseError" in names and getattr(error, "status_code", None) in _AZURE_TRANSIENT_STATUS:
        return _transient("azure_throttled", "an Azure service was busy or unavailable")
    return None


def _os(error: BaseException) -> Diagnosis | None:
    if isinstance(error, TimeoutError):
        return _transient("timeout", "an operation timed out")
    if isinstance(error, ConnectionError):
        return _transient("network", "a network connection was interrupted")
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return _disk_full()
    return None


def _parsing(error: BaseException) -> Diagnosis | None:
    if isinstance(error, csv.Error):
        limit = _FIELD_LIMIT.search(str(error))
        if limit:
            return Diagnosis(
                False,
                "field_too_large",
                f"A field of the file is longer than {int(limit.group(1)):,} characters: the file is probably not "
                "split into columns as expected. Check its delimiter and quote characters, or save it again as CSV.",
                {"limit": int(limit.group(1))},
            )
        return Diagnosis(False, "malformed_file", f"The file is not well-formed CSV: {_first_line(error)}.")
    if isinstance(error, UnicodeDecodeError):
        byte = error.object[error.start : error.start + 1].hex()
        return Diagnosis(
            False,
            "bad_encoding",
            f"The file is not {error.encoding.upper()} text: the byte 0x{byte} at position {error.start:,} cannot be "
            "read. Save it as UTF-8 (in Excel: CSV UTF-8) and upload it again.",
            {"encoding": error.encoding, "position": error.start},
        )
    if isinstance(error, pydantic.ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or 'value'}: {item['msg']}" for item in error.errors()[:3]
        ]
        return Diagnosis(
            False,
            "invalid_parameters",
            f"A parameter of the job is not valid ({'; '.join(problems)}). Correct it and start the job again.",
            {"errors": problems},
        )
    if isinstance(error, ValueError):
        return Diagnosis(False, "invalid_input", f"The data could not be processed: {_first_line(error)}.")
    return None


def _first_line(error: BaseException) -> str:
    """The exception's own words, one line and bounded: never a traceback or a whole record."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0].rstrip(".")
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"
