"""Quality control: the policies an engagement must pass before it is finalized, their runs and waivers."""

import azure.functions as func

bp = func.Blueprint()

# Importing the trigger modules registers their functions on bp.
from functions.qc import api, handlers  # noqa: E402, F401, I001
