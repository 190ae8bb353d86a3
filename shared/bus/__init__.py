"""Events and job commands: the envelope, the transactional outbox, transports and the consumer."""
