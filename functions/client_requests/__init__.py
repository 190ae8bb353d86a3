"""Client requests (the PBC list): what the team asks the client for, and what the client sends against it."""

import azure.functions as func

bp = func.Blueprint()
