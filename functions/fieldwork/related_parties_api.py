"""The related parties register's HTTP functions (AU-C 550 / AS 2410)."""

from functions.fieldwork import bp  # noqa: F401
