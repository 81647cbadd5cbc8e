"""Razorpay settlement data (`settlements/razorpay/`): the recon API's JSON, the same items as CSV, and
the Dashboard's download (profiles.py). An engine feed: ClickHouse reads the file's bytes; the profile's
SQL (ingestion/gateway_sql.py) splits, casts and validates every line in the warehouse.
"""

from __future__ import annotations

from pathlib import Path

from ingestion import gateway_sql as g
from ingestion import sql_checks as q
from ingestion.engine_sql import csv_first_row, csv_header
from ingestion.feeds.base import LoadContext
from ingestion.feeds.razorpay_settlements.profiles import PROFILES
from ingestion.feeds.razorpay_settlements.spec import SPEC
from ingestion.gateway_profiles import GatewayProfile, choose

COLUMNS = list(SPEC.header())

COLLECTION = (
    'JSON is not a Razorpay settlement recon collection: expected {"entity": "collection", "items": [...]}'
)


class RazorpaySettlementsReader:
    kind = "engine"
    profiles: tuple[GatewayProfile, ...] = PROFILES

    def unit(self, path: Path) -> str:
        return "document" if path.suffix.lower() == ".json" else "lines"

    def rejection_sql(self, path: Path) -> str:
        """SELECT over `{document}` giving why the whole file can't be read ('' when it can)."""
        if self.unit(path) == "lines":
            return ""
        return (
            "select multiIf(not isValidJSON(content), 'not valid JSON (truncated or malformed)', "
            "JSONExtractString(content, 'entity') != 'collection' "
            "or toString(JSONType(content, 'items')) != 'Array', "
            f"{q.lit(COLLECTION)}, '') from {{document}}"
        )

    def profile_for(self, path: Path) -> GatewayProfile:
        """The format of `path`: by its kind (JSON or CSV), confirmed from the CSV header and first row."""
        if self.unit(path) == "document":
            return next(p for p in self.profiles if p.file_format == "json")
        header_line, header = csv_header(path)
        csv_profiles = [p for p in self.profiles if p.file_format == "csv"]
        return choose(csv_profiles, header, path.name, csv_first_row(path, header_line))

    def select_sql(self, path: Path, context: LoadContext) -> list[str]:
        """Two stages: the records split into text fields, then those cast and validated."""
        profile = self.profile_for(path)
        if self.unit(path) == "document":
            text = g.json_items(profile)
        else:
            text = g.csv_fields(*csv_header(path), profile)
        validated = g.validation_sql(profile, {"tenant_id": context.tenant_id})
        return [f"select * from {text}", validated.replace("{text}", "{prev}")]
