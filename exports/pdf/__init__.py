"""PDF documents for people: the branch monthly reconciliation statement and the settlement advice."""

from core.pdf_fonts import FontMissing
from exports.pdf.branch_statement import write_branch_statements
from exports.pdf.settlement_advice import write_settlement_advices

__all__ = ["FontMissing", "write_branch_statements", "write_settlement_advices"]
