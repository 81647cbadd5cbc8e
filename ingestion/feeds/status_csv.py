"""The engine reader shared by the providers' status exports as CSV (messages/msg91/, messages/sendgrid/)."""

from __future__ import annotations

from pathlib import Path

from ingestion.engine_sql import csv_fields_sql, csv_header, require_columns
from ingestion.feeds.base import LoadContext


class CsvStatusesReader:
    """An engine reader of a provider's status export (CSV): the fields split by header name (each as
    `f_<name>`, so a field never shadows an output column of the same name), then the feed's validation."""

    kind = "engine"
    fields: tuple[str, ...] = ()  # the header names, lower-cased as csv_header gives them
    required: tuple[str, ...] = ()

    def unit(self, path: Path) -> str:
        return "lines"

    def rejection_sql(self, path: Path) -> str:
        return ""

    def validation_sql(self, tenant_id: str) -> str:
        raise NotImplementedError

    def select_sql(self, path: Path, context: LoadContext) -> list[str]:
        header_line, header = csv_header(path)
        require_columns(header, self.required)
        fields = csv_fields_sql("{lines}", header_line, header, [("f_" + f, f) for f in self.fields])
        return [f"select * from {fields}", self.validation_sql(context.tenant_id)]
