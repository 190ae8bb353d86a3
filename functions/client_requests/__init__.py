"""Client requests (the PBC list): what the team asks the client for, and what the client sends against it."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.client_requests import api, handlers  # noqa: E402, F401, I001
