"""Audit planning: materiality and the assessment of the risks of material misstatement."""

import azure.functions as func

bp = func.Blueprint()
