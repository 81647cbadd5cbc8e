"""The serving side: what BI tools, the metrics API and people's own tools read instead of the live
warehouse (chDB admits one process at a time; a server's BI users get read-only grants).

- `bi_views`: the BI-friendly views (`bi`, `bi_phi`) over the marts, created in the warehouse.
- `publish`: a published copy of the marts and the `bi` views in DuckDB and Parquet, swapped in atomically.
- `layout`: where the copy lives; `read`: open it read-only.
- `server_grants`: a ClickHouse server's BI readers: roles, per-tenant users, row policies (`mymedic warehouse grants`).
- `superset` with `dashboards/`: the dashboards as code, provisioned into a Superset.
"""
