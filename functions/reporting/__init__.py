"""Reporting: the auditor's report as a signed PDF, its approval and signature, and its write-once copy."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.reporting import api, handlers  # noqa: E402, F401, I001
