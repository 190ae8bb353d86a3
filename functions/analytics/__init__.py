"""Analytics: journal-entry tests over every line, risk scores, Benford analysis and exception triage."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp (and the test job's handler).
from functions.analytics import api, handlers  # noqa: E402, F401, I001
