"""Mapping: trial-balance accounts mapped to the standard chart, adjusting entries, lead sheets and statements."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.mapping import api, handlers, reporting_api  # noqa: E402, F401, I001
