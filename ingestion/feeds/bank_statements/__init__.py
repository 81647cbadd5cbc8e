"""The chain's bank statement (CSV), parsed in Python (a small feed)."""

from ingestion.feeds.bank_statements.reader import BankStatementsReader
from ingestion.feeds.bank_statements.spec import SPEC
from ingestion.feeds.base import Feed

FEED = Feed(SPEC, BankStatementsReader())
