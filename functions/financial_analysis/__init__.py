"""Financial analysis: ratios, flux against the prior year, monthly trends and going-concern indicators."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.financial_analysis import api  # noqa: E402, F401, I001
