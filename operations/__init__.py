"""The operator page: the quarantine with fix-and-replay, the dead-letter queues, integration health."""
