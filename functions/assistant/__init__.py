"""The assistant: questions about an engagement answered from what the caller may see, with citations (issue 24)."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.assistant import api  # noqa: E402, F401, I001
