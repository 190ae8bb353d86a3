"""Identity: sign-in, tokens, users, roles, invitations and password resets of a firm."""

import azure.functions as func

bp = func.Blueprint()

from functions.identity import api, profile_api  # noqa: E402, F401  (registers the triggers on bp)
