"""Events and job commands: their typed models (events.py), the envelope, the transactional outbox,
transports, the idempotent consumer and the AsyncAPI catalogue."""
