"""Reporting: the auditor's report as a signed PDF, its approval and signature, and its write-once copy."""

import azure.functions as func

bp = func.Blueprint()
