"""Disclosures: the checklist per framework and the drafted notes whose every number is the engagement's (issue 24)."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.disclosures import api  # noqa: E402, F401, I001
