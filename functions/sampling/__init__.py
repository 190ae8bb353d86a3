"""Sampling: attribute, monetary-unit and classical-variables samples, drawn reproducibly and evaluated."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.sampling import api, samples_api  # noqa: E402, F401, I001
