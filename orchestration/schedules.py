"""Jobs and schedules.

- `reconcile_everything` (`daily_reconciliation`, 06:00 IST, after the gateways' morning settlements):
  load every feed from the data directory, build the dbt models and tests, write the exports. It is what
  `mymedic run` runs too: files only, no gateway call.
- `pull_from_razorpay` (`razorpay_daily_pull`, 05:30 IST): fetch the previous IST day's settlement recon
  (its partition; the days before it again) and ask about the refunds the last reconciliation found
  overdue. Runs are queued one at a time (orchestration/dagster.yaml), so the 06:00 reconciliation loads
  what it stored. Turn it on only where the Razorpay key pair is set (docs/razorpay-pull.md).
- `backfill_razorpay_settlements`: a range of settlement days pulled and loaded into the raw settlement
  lines in one run (`mymedic razorpay backfill --from --to`): no refund check, no dbt build.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from core.time import IST
from ingestion.feeds.razorpay_settlements import FEED as RAZORPAY_SETTLEMENTS
from orchestration.bundle_jobs import BUNDLE_GROUP
from orchestration.dq_history import DQ_HOOKS
from orchestration.gateway_assets import GATEWAY_GROUP, REFETCH_DAYS, SETTLEMENT_RECON_KEY
from orchestration.ingestion_assets import feed_tables, raw_key

everything_job = define_asset_job(
    "reconcile_everything",
    # bundles run on their own schedules (orchestration.bundle_jobs), after the marts they read
    selection=AssetSelection.all() - AssetSelection.groups(GATEWAY_GROUP, BUNDLE_GROUP),
    description="Load every feed, build the dbt models and tests, write the exports",
    hooks=DQ_HOOKS,  # every check's result lands in marts.dq_results
)

daily_schedule = ScheduleDefinition(
    name="daily_reconciliation",
    job=everything_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Kolkata",
)

razorpay_pull_job = define_asset_job(
    "pull_from_razorpay",
    selection=AssetSelection.groups(GATEWAY_GROUP),
    description="Fetch Razorpay settlement recon pages and overdue refunds' statuses into the data directory",
)


settlement_backfill_job = define_asset_job(
    "backfill_razorpay_settlements",
    selection=AssetSelection.assets(
        SETTLEMENT_RECON_KEY, *(raw_key(t) for t in feed_tables(RAZORPAY_SETTLEMENTS))
    ),
    description="Pull a range of Razorpay settlement days (one run) and load them into the raw settlement lines",
)


def pull_run_config(refetch_days: int) -> dict:
    return {"ops": {SETTLEMENT_RECON_KEY.to_python_identifier(): {"config": {"refetch_days": refetch_days}}}}


@schedule(
    name="razorpay_daily_pull",
    job=razorpay_pull_job,
    cron_schedule="30 5 * * *",
    execution_timezone="Asia/Kolkata",
    description="05:30 IST: the previous IST day's settlement recon (and recent days again), overdue refunds",
)
def razorpay_daily_pull(context: ScheduleEvaluationContext) -> RunRequest:
    """The settlement day is the IST day before the tick's (a late tick fetches its own day)."""
    day = (context.scheduled_execution_time.astimezone(IST) - timedelta(days=1)).date().isoformat()
    return RunRequest(run_key=f"razorpay-{day}", partition_key=day, run_config=pull_run_config(REFETCH_DAYS))
