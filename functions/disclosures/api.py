"""The disclosures capability's HTTP functions."""

from functions.disclosures import bp  # noqa: F401
