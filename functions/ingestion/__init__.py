"""Ingestion: trial balances, general ledgers and charts of accounts loaded into an engagement."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp (and the load job's handler).
from functions.ingestion import api, handlers  # noqa: E402, F401, I001
