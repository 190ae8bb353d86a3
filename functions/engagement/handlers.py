"""Background work of the engagement capability: the hourly sweep of abandoned evidence uploads."""

from __future__ import annotations

import azure.functions as func

from functions.engagement import bp
from functions.engagement.evidence import EVIDENCE_UPLOADS
from shared import clock, uploads


@bp.function_name("evidence_upload_sweep")
@bp.timer_trigger(arg_name="timer", schedule="0 25 * * * *", run_on_startup=False)
def sweep_abandoned_evidence_uploads(timer: func.TimerRequest) -> None:
    """Delete the files of evidence uploads abandoned for a day, as the data uploads' sweep does."""
    uploads.sweep(EVIDENCE_UPLOADS, now=clock.now())
