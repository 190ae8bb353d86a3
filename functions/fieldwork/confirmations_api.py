"""Confirmations' HTTP functions and the second-request reminder timer."""

from functions.fieldwork import bp  # noqa: F401
