"""Analytics: journal-entry tests over every line, risk scores, Benford analysis and exception triage."""

import azure.functions as func

bp = func.Blueprint()
