"""Exports built from the marts: the finance reconciliation workbook and CSV."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from exports import write_finance_exports
from orchestration.resources import PipelineSettings, WarehouseResource

RECONCILIATION_MART = AssetKey(["marts", "fct_payment_reconciliation"])
# the workbook also shows branch names and each branch's daily payout
READ_MARTS = [
    RECONCILIATION_MART,
    AssetKey(["marts", "dim_branches"]),
    AssetKey(["marts", "fct_branch_daily_settlements"]),
]


@asset(
    key=AssetKey(["exports", "finance_payment_reconciliation"]),
    deps=READ_MARTS,
    group_name="exports",
    kinds={"csv", "excel"},
    description="payment_reconciliation.csv and .xlsx (summary, exceptions, open items, detail, branch "
    "settlements, quarantine, legend) for finance",
)
def finance_exports(
    context: AssetExecutionContext, warehouse: WarehouseResource, pipeline: PipelineSettings
) -> MaterializeResult:
    with warehouse.open() as w:
        paths = write_finance_exports(w, pipeline.exports_path, as_of=pipeline.as_of_date)
    for path in paths:
        context.log.info(f"wrote {path}")
    return MaterializeResult(metadata={"files": [str(p) for p in paths]})
