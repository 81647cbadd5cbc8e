"""A ClickHouse server's access control for BI readers: `mymedic warehouse grants`.

- `plan`: what to grant (roles, per-tenant users, settings profile, row policies), from the tenants and the
  relations the warehouse holds (`discover`) and the BI passwords (`passwords`, never in the output).
- `statements`: the plan as idempotent ClickHouse SQL; `apply`: run it through the warehouse client.

Here rather than in core/warehouse: it is the server deployment's half of serving (who may read the marts
and the `bi` views), used by the CLI only, while core/warehouse is the connection every module shares.
"""

from serving.server_grants.plan import GrantPlan, Limits, build_plan
from serving.server_grants.statements import Statement, render_script, statements

__all__ = ["GrantPlan", "Limits", "Statement", "build_plan", "render_script", "statements"]
