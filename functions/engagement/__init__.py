"""Engagement: clients, engagements, their team and lifecycle, the binder, workpapers, evidence, review notes."""

import azure.functions as func

bp = func.Blueprint()

from functions.engagement import api  # noqa: E402, F401  (registers the triggers on bp)
from functions.engagement import binder_api  # noqa: E402, F401
from functions.engagement import review_notes_api  # noqa: E402, F401
