"""Start the billing feeds' loads when the HIS's bills arrive: DFT^P03 files dropped in `<data_dir>/billing/`
(billing_hl7) and bill CSV exports in `<data_dir>/billing/csv/<his>/` (billing_csv); the same file sensor
as the ADT feed's (orchestration/adt_sensors.py). The loaded lines reach fct_episode_bills on the next dbt
build (docs/billing.md)."""

from __future__ import annotations

from ingestion.feeds import feed_named
from orchestration.adt_sensors import feed_files_sensor

billing_hl7_job, billing_hl7_files_sensor = feed_files_sensor(feed_named("billing_hl7"))
billing_csv_job, billing_csv_files_sensor = feed_files_sensor(feed_named("billing_csv"))
