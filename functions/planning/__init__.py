"""Audit planning: materiality and the assessment of the risks of material misstatement."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.planning import api  # noqa: E402, F401, I001
