"""Field types for request models whose lax pydantic defaults would accept what a user did not mean."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    # Lax mode reads 0 or "0" as 1970-01-01 (a Unix timestamp); a period date is only ever YYYY-MM-DD.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def reject_null(value: Any) -> Any:
    """For PATCH models: a field may be left out, but not set to null when the column cannot be empty."""
    if value is None:
        raise ValueError("may be left out but not null")
    return value


# A time of day as recorded, without a zone (JSON Schema's `time` format requires one): HH:MM:SS.
LocalTime = Annotated[
    time,
    PlainSerializer(lambda value: value.isoformat(timespec="seconds"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "description": "local time, HH:MM:SS"}),
]
