"""Sampling: attribute, monetary-unit and classical-variables samples, drawn reproducibly and evaluated."""

import azure.functions as func

bp = func.Blueprint()
