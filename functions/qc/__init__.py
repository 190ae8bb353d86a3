"""Quality control: the policies an engagement must pass before it is finalized, their runs and waivers."""

import azure.functions as func

bp = func.Blueprint()
