"""The read-only metrics API over the serving layer (`mymedic api serve`); see docs/metrics-api.md."""
