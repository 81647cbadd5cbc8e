"""Files for people outside the platform, written from the marts."""

from exports.finance_export import write_finance_exports

__all__ = ["write_finance_exports"]
