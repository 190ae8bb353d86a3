"""Financial analysis: ratios, flux against the prior year, monthly trends and going-concern indicators."""

import azure.functions as func

bp = func.Blueprint()
