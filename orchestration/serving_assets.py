"""The serving side of a run: the `bi` views in the warehouse, then the serving copy BI tools read.

The copy is published only when the run's checks passed: readers keep the previous complete copy rather
than get marts a failed check says are wrong.
"""

from dagster import (
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    DagsterEventType,
    EventRecordsFilter,
    Failure,
    MaterializeResult,
    asset,
)

from orchestration.resources import PipelineSettings, WarehouseResource
from serving.bi_views import BI_VIEWS, create_bi_views
from serving.layout import ServingLayout
from serving.publish import publish_marts

SERVING_GROUP = "serving"
BI_VIEWS_KEY = AssetKey(["bi", "views"])
MART_KEYS = sorted({AssetKey(["marts", table]) for view in BI_VIEWS for table in (view.mart, "dim_branches")})


@asset(
    key=BI_VIEWS_KEY,
    deps=MART_KEYS,
    group_name=SERVING_GROUP,
    kinds={"clickhouse"},
    description="The BI-friendly views over the marts (bi, and bi_phi with patient-linked columns)",
)
def bi_views(warehouse: WarehouseResource) -> MaterializeResult:
    with warehouse.open() as w:
        names = create_bi_views(w)
    return MaterializeResult(metadata={"views": names})


def failed_error_checks(context: AssetExecutionContext) -> list[str]:
    """This run's asset checks of ERROR severity that did not pass."""
    records = context.instance.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION), limit=100_000
    )
    failed = []
    for record in records:
        if record.run_id != context.run_id:
            continue
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return failed


@asset(
    key=AssetKey(["serving", "copy"]),
    deps=[BI_VIEWS_KEY],
    group_name=SERVING_GROUP,
    kinds={"duckdb", "parquet"},
    description="marts.duckdb, tenants/<id>/marts.duckdb and parquet/: the copy BI tools and the metrics API read",
)
def serving_copy(
    context: AssetExecutionContext, warehouse: WarehouseResource, pipeline: PipelineSettings
) -> MaterializeResult:
    failed = failed_error_checks(context)
    if failed:
        raise Failure(
            f"serving copy not published: {len(failed)} check(s) failed ({', '.join(failed[:3])}); "
            "readers keep the previous copy"
        )
    layout = ServingLayout.from_env(pipeline.serving_dir)
    with warehouse.open() as w:
        report = publish_marts(w, layout, phi=pipeline.serving_phi)
    context.log.info(f"published {layout.duckdb_path} ({len(report.changed)} relations changed)")
    return MaterializeResult(
        metadata={
            "serving": str(layout.duckdb_path),
            "changed": report.changed,
            "tenants": report.tenants,
            "published_at": report.published_at.isoformat(),
        }
    )


serving_assets = [bi_views, serving_copy]
