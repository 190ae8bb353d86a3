"""Accounting estimates' HTTP functions (AU-C 540 / AS 2501)."""

from functions.fieldwork import bp  # noqa: F401
