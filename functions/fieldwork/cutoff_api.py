"""Cut-off tests' HTTP functions: entries either side of the period end."""

from functions.fieldwork import bp  # noqa: F401
