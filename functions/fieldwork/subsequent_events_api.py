"""The subsequent events register's HTTP functions (AU-C 560 / AS 2801)."""

from functions.fieldwork import bp  # noqa: F401
