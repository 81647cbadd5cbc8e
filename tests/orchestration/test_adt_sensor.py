"""The adt_hl7 sensor against real files: messages the MLLP listener's spool stored and a file dropped in
adt/, evaluated with Dagster's sensor testing API, and the run it requests executed on a real chDB warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultSensorStatus,
    Definitions,
    RunRequest,
    SkipReason,
    build_sensor_context,
)

from core.settings import WAREHOUSE_ENV, warehouse_settings
from core.warehouse import open_warehouse
from ingestion.mllp.spool import Spool, message_key
from orchestration.definitions import build_definitions
from orchestration.feed_sensors import ADT_HL7, FEED_FILE_SENSORS
from orchestration.ingestion_assets import ingestion_assets
from orchestration.resources import PipelineSettings, WarehouseResource

adt_hl7_job, adt_hl7_files_sensor = FEED_FILE_SENSORS["adt_hl7"]


def message(control_id: str) -> bytes:
    return (
        f"MSH|^~\\&|HIS|CITY|MM|MM|20261103100000+0530||ADT^A01^ADT_A01|{control_id}|P|2.5.1\r"
        f"PID|1||MRN{control_id}^^^CITY^MR\rPV1|1|I\r"
    ).encode()


def evaluate(data: Path, cursor: str | None) -> tuple[RunRequest | SkipReason, str | None]:
    context = build_sensor_context(
        cursor=cursor, resources={"pipeline": PipelineSettings(data_dir=str(data))}
    )
    result = adt_hl7_files_sensor(context)
    return result, context.cursor


def test_new_spool_files_start_the_adt_hl7_load_once_per_change(tmp_path: Path) -> None:
    result, cursor = evaluate(tmp_path, None)
    assert isinstance(result, SkipReason) and "no files" in str(result.skip_message)

    spool = Spool(tmp_path)
    spool.store([(message_key("HIS^CITY", "C1"), message("C1"))])
    hidden, _ = evaluate(tmp_path, cursor)
    assert isinstance(hidden, SkipReason)  # the open segment (a hidden file) does not trigger ...
    spool.publish()  # ... once published it does
    first, cursor = evaluate(tmp_path, cursor)
    assert isinstance(first, RunRequest) and first.tags["files"] == "1" and cursor

    again, same = evaluate(tmp_path, cursor)
    assert isinstance(again, SkipReason) and same == cursor  # nothing new: no second run

    # A segment being written (hidden temporary name) does not trigger; once published it does.
    spool.store([(message_key("HIS^CITY", "C2"), message("C2"))])
    hidden, _ = evaluate(tmp_path, cursor)
    assert isinstance(hidden, SkipReason)
    spool.close()
    (tmp_path / "adt" / "dropped.hl7").write_bytes(message("D1"))  # a file dropped in adt/ counts too
    second, cursor2 = evaluate(tmp_path, cursor)
    assert isinstance(second, RunRequest) and second.tags["files"] == "3"
    assert second.run_key != first.run_key and cursor2 != cursor


def test_the_platform_definitions_hold_the_sensor_and_its_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WAREHOUSE_ENV, "chdb:///tmp/never-opened")
    defs = build_definitions()
    sensor = defs.resolve_sensor_def("adt_hl7_files")
    assert sensor.job_name == "ingest_adt_hl7" and sensor.default_status == DefaultSensorStatus.RUNNING
    selected = defs.resolve_job_def("ingest_adt_hl7").asset_layer.executable_asset_keys
    assert AssetKey(["raw", "adt_hl7_events"]) in selected


def test_the_requested_run_loads_the_spool_with_the_adt_hl7_feed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "reference").mkdir(parents=True)
    (data / "reference" / "branches.csv").write_text(  # the data directory's tenant
        "tenant_id,branch_id,branch_name,city,state\nchain_a,BLR01,Indiranagar,Bengaluru,Karnataka\n"
    )
    spool = Spool(data)
    spool.store([(message_key("HIS^CITY", "C1"), message("C1"))])
    spool.publish()
    spool.store([(message_key("HIS^CITY", "C2"), message("C2"))])
    spool.close()
    names = sorted(p.name for p in spool.folder.glob("*.hl7"))
    assert len(names) == 2
    request, _ = evaluate(data, None)
    assert isinstance(request, RunRequest)

    url = f"chdb://{tmp_path}/wh"
    defs = Definitions(
        assets=ingestion_assets,
        jobs=[adt_hl7_job],
        sensors=[adt_hl7_files_sensor],
        resources={"warehouse": WarehouseResource(url=url), "pipeline": PipelineSettings(data_dir=str(data))},
    )
    job = defs.resolve_job_def(adt_hl7_job.name)
    assert job.name == "ingest_adt_hl7"
    result = job.execute_in_process(instance=DagsterInstance.ephemeral(), tags=request.tags)
    assert result.success
    with open_warehouse(warehouse_settings(url)) as w:
        ledger = w.rows("select feed, source_file from raw.load_ledger order by source_file")
    # The adt_hl7 feed read exactly the spool's files (whatever its reader made of them), no other feed ran.
    assert ledger == [(ADT_HL7.name, f"adt/mllp/{name}") for name in names]
