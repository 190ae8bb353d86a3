"""The one error the pure sampling modules raise: an input that cannot give a defensible result.

It lives with the random selection in shared/random_selection.py, which raises it too, so one
`except InvalidInput` catches what either finds wrong.
"""

from shared.random_selection import InvalidInput

__all__ = ["InvalidInput"]
