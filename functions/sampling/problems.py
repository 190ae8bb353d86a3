"""The one error the pure sampling modules raise: an input that cannot give a defensible result.

It names the input and its value, so the HTTP layer can answer 400 pointing at the field.
"""

from __future__ import annotations


class InvalidInput(ValueError):
    """An input, alone or with another, that no sample can be planned, drawn or evaluated from."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}: {message} (got {value})")
        self.field, self.value, self.message = field, value, message
