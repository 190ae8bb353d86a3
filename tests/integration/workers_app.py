"""A small app for tests/integration/test_local_workers.py, imported by each worker process of the
local host: a timer every second that writes down which process fired it, and one HTTP function."""

from __future__ import annotations

import os
from pathlib import Path

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name("lw_tick")
@app.timer_trigger(arg_name="timer", schedule="* * * * * *", run_on_startup=False)
def lw_tick(timer: func.TimerRequest) -> None:
    with Path(os.environ["AURA_TEST_TIMER_LOG"]).open("a") as log:
        log.write(f"{os.getpid()}\n")


@app.function_name("lw_hello")
@app.route(route="hello", methods=["GET"])
def lw_hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")
