"""Another gateway's settlement report, read by the engine through the gateway's profile."""

from __future__ import annotations

from pathlib import Path

from ingestion import gateway_sql as g
from ingestion.engine_sql import csv_first_row, csv_header
from ingestion.feeds.base import LoadContext
from ingestion.feeds.gateway_settlements.profiles import profiles_for
from ingestion.gateway_profiles import GatewayProfile, choose


class GatewaySettlementsReader:
    kind = "engine"

    def unit(self, path: Path) -> str:
        return "lines"

    def rejection_sql(self, path: Path) -> str:
        return ""

    def profile_for(self, path: Path) -> GatewayProfile:
        """By folder (the gateway), confirmed from the header (FileRejected names the closest profile)."""
        header_line, header = csv_header(path)
        return choose(profiles_for(path.parent), header, path.name, csv_first_row(path, header_line))

    def select_sql(self, path: Path, context: LoadContext) -> list[str]:
        profile = self.profile_for(path)
        leading = {"tenant_id": context.tenant_id, "gateway": path.parent.name, "profile": profile.name}
        validated = g.validation_sql(profile, leading)
        return [
            f"select * from {g.csv_fields(*csv_header(path), profile)}",
            validated.replace("{text}", "{prev}"),
        ]
