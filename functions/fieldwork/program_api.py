"""The audit program's HTTP functions: the firm's procedure library and the engagement's program."""

from functions.fieldwork import bp  # noqa: F401
