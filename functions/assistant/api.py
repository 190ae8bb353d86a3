"""The assistant capability's HTTP functions."""

from functions.assistant import bp  # noqa: F401
