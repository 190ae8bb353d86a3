"""Fieldwork: the audit program (procedures tied to risks), confirmations, cut-off tests, and the
registers of subsequent events, related parties and accounting estimates (issue 23)."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.fieldwork import (  # noqa: E402, F401, I001
    program_api,
    confirmations_api,
    cutoff_api,
    subsequent_events_api,
    related_parties_api,
    estimates_api,
)
