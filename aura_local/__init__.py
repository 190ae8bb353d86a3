"""The local host: runs the real function_app where the Functions host and Service Bus are not available.

It only adapts. It enumerates the app's functions once, serves the HTTP triggers under /api with
uvicorn, plays Service Bus for the queue and topic triggers (the outbox is relayed into
local_deliveries and delivered with retries and dead-lettering), and fires the timer triggers. The
function code is the same code that runs under `func start` and in Azure.
"""
