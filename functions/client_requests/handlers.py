"""Background work of client requests: the daily e-mail reminders."""

from __future__ import annotations

import azure.functions as func

from functions.client_requests import bp, reminders


@bp.function_name("client_request_reminders")
@bp.timer_trigger(arg_name="timer", schedule="0 0 7 * * *", run_on_startup=False)
def send_client_request_reminders(timer: func.TimerRequest) -> None:
    """Each morning (07:00 UTC), remind the assignee of every request due within two days or overdue."""
    reminders.send_reminders()
