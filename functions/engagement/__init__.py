"""Engagement: clients, engagements, their team and lifecycle, the binder, workpapers, evidence, review notes."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.engagement import api, binder_api, handlers, review_notes_api  # noqa: E402, F401, I001
