"""The base layer every other package builds on: settings, the warehouse connection, money and time helpers.

It imports nothing of the platform's own (booking, ingestion, dbt, exports, orchestration, the CLI)."""
