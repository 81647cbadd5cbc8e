"""What the platform pulls from Razorpay itself, as Dagster assets (group `gateway`).

- `gateway/razorpay_settlement_recon`: a settlement day's recon pages from the API, stored as files in
  `<data_dir>/settlements/razorpay/api/` (upstream of the settlements feed, which loads them).
- `gateway/razorpay_refund_status_check`: the refunds the reconciliation mart says are overdue, asked about
  at `GET /v1/refunds/{id}`; the answers go to `<data_dir>/gateway/razorpay/refund_status/`, which the
  `razorpay_refund_status` feed loads. It reads the mart (so runs after dbt) with the warehouse open only
  for that read, then closes it before calling Razorpay (chDB: one process at a time). Its answers reach
  the mart at the next build: an asset edge from it to the feed would close a cycle (mart → check → feed
  → mart), so the feed reads the folder like any other.

Neither asset opens the warehouse while it calls the gateway, and neither is in `reconcile_everything`:
they run in the `pull_from_razorpay` job, scheduled ahead of the daily reconciliation that loads what they
stored (orchestration/schedules.py). The key secret reaches them through the environment only.

The recon pull is partitioned by settlement day (`SETTLEMENT_DAYS`, IST calendar days; the latest is
yesterday's, a day that has ended). Its backfill policy is a single run: a month's backfill is one run whose
step pulls each day of the range in turn (`mymedic razorpay backfill`, or a backfill launched in the UI),
so chDB's one process at a time holds. Pulling a day again stores no new file unless Razorpay's answer
changed, and the load skips files it loaded before: re-running a partition adds nothing.
"""
# No `from __future__ import annotations` here: Dagster reads the asset functions' type hints at runtime.

import warnings
from datetime import date

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    BetaWarning,
    Config,
    DailyPartitionsDefinition,
    Failure,
    MaterializeResult,
    asset,
)
from pydantic import Field

from core.razorpay_api import MAX_PAGE_SIZE
from core.razorpay_client import RazorpayClient, RazorpayError
from core.settings import MissingSetting
from ingestion.feeds.reference import tenant_of
from ingestion.pull.refund_status import check_refunds, overdue_refunds
from ingestion.pull.settlement_recon import days_to_pull, pull_day
from orchestration.export_assets import RECONCILIATION_MART
from orchestration.resources import PipelineSettings, RazorpayResource, WarehouseResource

GATEWAY_GROUP = "gateway"
SETTLEMENT_RECON_KEY = AssetKey(["gateway", "razorpay_settlement_recon"])
REFUND_STATUS_CHECK_KEY = AssetKey(["gateway", "razorpay_refund_status_check"])
REFETCH_DAYS = 3  # Razorpay keeps adding lines to recent settlement days: the schedule fetches these again
SETTLEMENT_DAYS_START = "2024-01-01"  # the first settlement day a backfill can ask for
# One partition per IST settlement day; with end_offset 0 the last one is yesterday's (a day that has ended).
SETTLEMENT_DAYS = DailyPartitionsDefinition(start_date=SETTLEMENT_DAYS_START, timezone="Asia/Kolkata")


class SettlementReconPullConfig(Config):
    refetch_days: int = Field(
        default=0,
        ge=0,
        le=31,
        description="Also fetch again this many days before the first partition (the daily schedule: 3)",
    )
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per API page")


def _failure(error: Exception) -> Failure:
    """A step failure with one line to read (no traceback of ours to wade through)."""
    return Failure(description=" ".join(str(error).split()))


def razorpay_settlement_recon(
    context: AssetExecutionContext,
    config: SettlementReconPullConfig,
    razorpay: RazorpayResource,
    pipeline: PipelineSettings,
) -> MaterializeResult:
    # One partition, or a backfill's range in one run: every day of it, oldest first, each once.
    days = [date.fromisoformat(key) for key in context.partition_keys]
    pulled = []
    try:
        with razorpay.client() as client:
            for settlement_day in days_to_pull(days[0], config.refetch_days)[:-1] + days:
                result = pull_day(client, pipeline.data_path, settlement_day, page_size=config.page_size)
                context.log.info(
                    f"{settlement_day}: {result.lines} lines in {len(result.pages)} page(s), "
                    f"{len(result.written)} new file(s)"
                )
                pulled.append(result)
    except (MissingSetting, RazorpayError) as error:
        raise _failure(error) from None
    return MaterializeResult(
        metadata={
            "days": [str(p.day) for p in pulled],
            "lines": sum(p.lines for p in pulled),
            "pages": sum(len(p.pages) for p in pulled),
            "files_written": [str(path) for p in pulled for path in p.written],
        }
    )


# `backfill_policy` is marked beta in dagster 1.13 (its warning would print on every command importing the
# definitions); the single-run policy is what makes a month's backfill one run.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", BetaWarning)
    razorpay_settlement_recon = asset(
        key=SETTLEMENT_RECON_KEY,
        group_name=GATEWAY_GROUP,
        kinds={"python"},
        partitions_def=SETTLEMENT_DAYS,
        backfill_policy=BackfillPolicy.single_run(),
        description="Razorpay settlement recon pages fetched from the API into "
        "<data_dir>/settlements/razorpay/api/, one partition per IST settlement day",
    )(razorpay_settlement_recon)


@asset(
    key=REFUND_STATUS_CHECK_KEY,
    deps=[RECONCILIATION_MART],
    group_name=GATEWAY_GROUP,
    kinds={"python"},
    description="Overdue refunds asked about at Razorpay; answers into <data_dir>/gateway/razorpay/refund_status/",
)
def razorpay_refund_status_check(
    context: AssetExecutionContext,
    razorpay: RazorpayResource,
    warehouse: WarehouseResource,
    pipeline: PipelineSettings,
) -> MaterializeResult:
    try:
        settings = razorpay.settings  # a missing key fails before the warehouse is opened
    except MissingSetting as error:
        raise _failure(error) from None
    tenant = tenant_of(pipeline.data_path)
    with warehouse.open() as w:  # closed again before any call to Razorpay
        refund_ids = overdue_refunds(w, tenant)
    context.log.info(f"{len(refund_ids)} overdue refund(s) of {tenant} to ask Razorpay about")
    with RazorpayClient(settings) as client:
        checked = check_refunds(client, pipeline.data_path, refund_ids)
    if checked.file:
        context.log.info(f"wrote {checked.file}")
    if checked.failures:
        first_id, why = next(iter(checked.failures.items()))
        raise Failure(
            description=f"{len(checked.failures)} of {len(refund_ids)} refund(s) got no answer from Razorpay "
            f"(first: {first_id}: {why}); the answers that came are in {checked.file or 'no file'}"
        )
    return MaterializeResult(
        metadata={
            "refunds_asked": len(refund_ids),
            "file": str(checked.file or ""),
            **{f"answers.{status}": n for status, n in sorted(checked.summary.items())},
        }
    )


gateway_assets = [razorpay_settlement_recon, razorpay_refund_status_check]
