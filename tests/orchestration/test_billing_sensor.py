"""The billing feeds' file sensors against real files: a DFT^P03 file dropped in billing/ and a bill CSV in
billing/csv/<his>/, evaluated with Dagster's sensor testing API; each requests its feed's load job once per
change (tests/orchestration/test_feed_sensors.py: every feed's job selects its raw tables)."""

from __future__ import annotations

from pathlib import Path

from dagster import RunRequest, SensorDefinition, SkipReason, build_sensor_context

from orchestration.feed_sensors import FEED_FILE_SENSORS
from orchestration.resources import PipelineSettings

DFT = (
    "MSH|^~\\&|HIS|CITY|MM|MM|20261103100000+0530||DFT^P03^DFT_P03|B1|P|2.5\rEVN|P03|20261103100000\r"
    "PID|1||MR1^^^CITY^MR\rPV1|1|I||||||||||||||||||V1\rFT1|1||BILL1|20261103||CG|CONS|||1|800.00\r"
)

_, billing_hl7_files_sensor = FEED_FILE_SENSORS["billing_hl7"]
_, billing_csv_files_sensor = FEED_FILE_SENSORS["billing_csv"]


def evaluate(
    sensor: SensorDefinition, data: Path, cursor: str | None
) -> tuple[RunRequest | SkipReason, str | None]:
    context = build_sensor_context(
        cursor=cursor, resources={"pipeline": PipelineSettings(data_dir=str(data))}
    )
    return sensor(context), context.cursor


def test_a_dropped_dft_file_starts_the_billing_hl7_load_once(tmp_path: Path) -> None:
    result, cursor = evaluate(billing_hl7_files_sensor, tmp_path, None)
    assert isinstance(result, SkipReason)
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "2026-11-03.hl7").write_text(DFT)
    first, cursor = evaluate(billing_hl7_files_sensor, tmp_path, cursor)
    assert isinstance(first, RunRequest) and first.tags == {"feed": "billing_hl7", "files": "1"}
    again, _ = evaluate(billing_hl7_files_sensor, tmp_path, cursor)
    assert isinstance(again, SkipReason)
    # a bill CSV is the other feed's: billing_hl7 does not read billing/csv/
    his = tmp_path / "billing" / "csv" / "example_his"
    his.mkdir(parents=True)
    (his / "bills.csv").write_text("Bill No\n")
    unchanged, _ = evaluate(billing_hl7_files_sensor, tmp_path, cursor)
    assert isinstance(unchanged, SkipReason)
    csv_run, _ = evaluate(billing_csv_files_sensor, tmp_path, None)
    assert isinstance(csv_run, RunRequest) and csv_run.tags["feed"] == "billing_csv"
